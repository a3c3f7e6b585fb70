package reporting

import (
	"sync"
	"sync/atomic"
	"time"
)

// storm is the per-fingerprint token bucket that keeps an error storm from
// flooding Sentry: each fingerprint may send burst events at once and rate
// events a second after that. Occurrences beyond that are counted, and the
// count travels with the next event of the fingerprint.
type storm struct {
	rate, burst float64
	clock       func() time.Duration // monotonic time; tests replace it

	held held // errors held back, for the other path to recognise

	mu         sync.Mutex
	buckets    map[stormKey]*bucket
	suppressed int64
	lastPrune  time.Duration
}

// stormKey is a cheap stand-in for the fingerprint, known on the caller's
// goroutine without resolving symbols: the code and the program counter
// where the error started (or where it was captured, or panicked).
type stormKey struct {
	code string
	pc   uintptr
}

type bucket struct {
	tokens     float64
	last       time.Duration // since storm.start
	suppressed int64
}

// maxBuckets bounds the storm's memory; beyond it, idle (full) buckets are
// forgotten, and if none is idle a new fingerprint is let through untracked.
const maxBuckets = 4096

func newStorm(rate float64, burst int) *storm {
	if burst < 1 {
		burst = 1
	}
	start := time.Now()
	return &storm{
		rate: rate, burst: float64(burst),
		clock:     func() time.Duration { return time.Since(start) },
		buckets:   make(map[stormKey]*bucket),
		lastPrune: -time.Hour,
	}
}

// take reports whether an event of key may go out now and, if so, how many
// occurrences were suppressed since the last one that did.
func (s *storm) take(key stormKey) (ok bool, suppressed int64) {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[key]
	if b == nil {
		if len(s.buckets) >= maxBuckets {
			if now-s.lastPrune >= time.Second { // at most once a second: a full table is a storm of its own
				s.prune(now)
				s.lastPrune = now
			}
			if len(s.buckets) >= maxBuckets {
				return true, 0
			}
		}
		b = &bucket{tokens: s.burst, last: now}
		s.buckets[key] = b
	}
	if now > b.last {
		b.tokens = min(s.burst, b.tokens+(now-b.last).Seconds()*s.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		n := b.suppressed
		b.suppressed = 0
		return true, n
	}
	b.suppressed++
	s.suppressed++
	return false, 0
}

// prune forgets buckets that have refilled and have nothing to report.
func (s *storm) prune(now time.Duration) {
	for k, b := range s.buckets {
		if b.suppressed == 0 && b.tokens+(now-b.last).Seconds()*s.rate >= s.burst {
			delete(s.buckets, k)
		}
	}
}

func (s *storm) suppressedTotal() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.suppressed
}

// held remembers the last errors that storm control held back, or that a
// log line reported, and on which path (Capture or a log line), so that
// the other path, reporting the same failure a moment later ("capture,
// then log" or "log, then capture"), neither takes a token nor counts it
// again: one failure, one count, one event ID. An entry is used once, so
// that an error value reported again and again on one path (a sentinel)
// is counted each time.
type held struct {
	live atomic.Int32 // entries not yet taken: most of the time none, and take costs a load
	mu   sync.Mutex
	errs [64]error
	ids  [64]string // the event ID, or "" when held back
	logs [64]bool   // true when seen on the log path
	next int
}

// put remembers err, seen on the log path when fromLog, with the ID of its
// event or "" when it was held back.
func (h *held) put(err error, fromLog bool, id string) {
	if !comparable(err) {
		return
	}
	h.mu.Lock()
	if h.errs[h.next] == nil {
		h.live.Add(1)
	}
	h.errs[h.next], h.logs[h.next], h.ids[h.next] = err, fromLog, id
	h.next = (h.next + 1) % len(h.errs)
	h.mu.Unlock()
}

// take reports whether err was seen on the other path than fromLog's, with
// its event ID ("" when held back), and forgets it.
func (h *held) take(err error, fromLog bool) (id string, ok bool) {
	if h.live.Load() == 0 || !comparable(err) {
		return "", false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, e := range h.errs {
		if e != nil && e == err && h.logs[i] != fromLog {
			h.errs[i] = nil
			h.live.Add(-1)
			return h.ids[i], true
		}
	}
	return "", false
}
