package reporting

import (
	"sync"
	"time"
)

// storm is the per-fingerprint token bucket that keeps an error storm from
// flooding Sentry: each fingerprint may send burst events at once and rate
// events a second after that. Occurrences beyond that are counted, and the
// count travels with the next event of the fingerprint.
type storm struct {
	rate, burst float64
	clock       func() time.Duration // monotonic time; tests replace it

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
