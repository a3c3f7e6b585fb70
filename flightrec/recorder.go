package flightrec

import (
	"context"
	"log/slog"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supportkit/supportkit/errorsx"
)

// Recorder keeps the execution trace window and takes snapshots when
// triggered. [Setup] makes one; its methods are safe for concurrent use,
// and a nil *Recorder is a recorder that is off: [Recorder.Trigger] returns nil,
// [Recorder.Slow] false, [Recorder.StartRequest] does nothing, so that
// middleware can hold one whether or not the application opted in.
type Recorder struct {
	fr       *trace.FlightRecorder // nil when the execution trace is not recorded
	noTrace  string                // why fr is nil
	tracing  atomic.Bool           // fr is running: request tasks are worth opening
	closed   atomic.Bool
	minAge   time.Duration
	maxBytes int64
	every    [numKinds]time.Duration
	slow     time.Duration
	fastest  time.Duration // the smallest threshold: a faster request is never slow
	routes   map[string]time.Duration
	log      *slog.Logger
	now      func() time.Time
	limits   limits
	hook     func()

	// mu is held while a snapshot is taken, and by Shutdown while it stops
	// fr: a trigger that cannot take it at once is dropped, never queued.
	mu   sync.Mutex
	last [numKinds]time.Time // guarded by mu

	taken, limited, dropped atomic.Uint64

	stopOnce sync.Once
	stopped  chan struct{}
}

// Setup starts a recorder: a runtime/trace.FlightRecorder keeping the last
// [WithMinAge] of execution trace, up to about [WithMaxBytes], in memory
// until [Recorder.Shutdown].
//
// Go allows one flight recorder per process. When another part of the
// program already holds it, Setup logs a warning and returns a recorder
// that works without: its snapshots have a goroutine dump and profiles but
// no execution trace, and their summary says why. Setup fails only when an
// option is not valid, with an errorsx.InvalidArgument error naming it.
func Setup(ctx context.Context, opts ...Option) (*Recorder, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	switch len(o.errs) {
	case 0:
	case 1:
		return nil, o.errs[0]
	default:
		return nil, errorsx.Join(o.errs...)
	}
	r := &Recorder{
		minAge:   orDefault(o.minAge, DefaultMinAge),
		maxBytes: orDefault(o.maxBytes, DefaultMaxBytes),
		slow:     orDefault(o.slow, DefaultSlowThreshold),
		routes:   make(map[string]time.Duration, len(o.routes)),
		log:      o.logger,
		now:      o.now,
		limits:   o.limits,
		hook:     o.capturing,
		stopped:  make(chan struct{}),
	}
	if r.now == nil {
		r.now = time.Now
	}
	for k := range r.every {
		r.every[k] = orDefault(o.rateLimit[k], DefaultRateLimit)
	}
	r.fastest = r.slow
	for route, d := range o.routes {
		d = orDefault(d, r.slow)
		r.routes[route] = d
		r.fastest = min(r.fastest, d)
	}
	r.limits.trace = orDefault(r.limits.trace, int(2*r.maxBytes))
	r.limits.goroutineDump = orDefault(r.limits.goroutineDump, GoroutineDumpLimit)
	r.limits.goroutineProfile = orDefault(r.limits.goroutineProfile, GoroutineProfileLimit)
	r.limits.heapProfile = orDefault(r.limits.heapProfile, HeapProfileLimit)

	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: r.minAge, MaxBytes: uint64(r.maxBytes)})
	if err := fr.Start(); err != nil {
		r.noTrace = "the execution trace is not recorded: " + err.Error() +
			" (Go allows one flight recorder per process, and another part of the program holds it)"
		r.logAttrs(slog.LevelWarn, "flight recorder: running without an execution trace",
			slog.String("reason", r.noTrace))
	} else {
		r.fr = fr
		r.tracing.Store(true)
		r.logAttrs(slog.LevelInfo, "flight recorder: on",
			slog.Duration("min_age", r.minAge), slog.Int64("max_bytes", r.maxBytes))
	}
	return r, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Tracing reports whether the recorder keeps an execution trace window:
// false for a nil recorder, after Shutdown, and when another flight
// recorder held the runtime's one at Setup.
func (r *Recorder) Tracing() bool { return r != nil && r.tracing.Load() }

// Shutdown stops the flight recorder and frees its window; afterwards the
// recorder is off. It waits for a snapshot being taken to finish, up to
// ctx's deadline, and returns ctx's error if that comes first (the
// recorder then stops as soon as the snapshot is done). It is safe to call
// more than once, and on a nil recorder.
func (r *Recorder) Shutdown(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.stopOnce.Do(func() {
		r.closed.Store(true)
		r.tracing.Store(false)
		go func() {
			defer close(r.stopped)
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.fr != nil {
				r.fr.Stop()
			}
			r.logAttrs(slog.LevelInfo, "flight recorder: off",
				slog.Uint64("snapshots", r.taken.Load()),
				slog.Uint64("rate_limited", r.limited.Load()),
				slog.Uint64("dropped", r.dropped.Load()))
		}()
	})
	select {
	case <-r.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats counts what became of the triggers since Setup.
type Stats struct {
	// Snapshots is the number of snapshots taken.
	Snapshots uint64
	// RateLimited is the number of triggers that came sooner than their
	// kind's rate limit allows.
	RateLimited uint64
	// Dropped is the number of triggers that came while another snapshot
	// was being taken, or after Shutdown.
	Dropped uint64
}

// Stats returns the recorder's counters; the zero Stats for a nil recorder.
func (r *Recorder) Stats() Stats {
	if r == nil {
		return Stats{}
	}
	return Stats{Snapshots: r.taken.Load(), RateLimited: r.limited.Load(), Dropped: r.dropped.Load()}
}

func (r *Recorder) logAttrs(level slog.Level, msg string, attrs ...slog.Attr) {
	if r.log != nil {
		r.log.LogAttrs(context.Background(), level, msg, attrs...)
	}
}
