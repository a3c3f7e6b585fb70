package flightrec

import (
	"log/slog"
	"strings"
	"time"
)

// Trigger takes a snapshot for kind, with reason as its one-line
// explanation ("GET /orders/{id} took 2.4s"), and returns it. It returns
// nil, without any snapshot work, when the recorder is nil or shut down,
// when kind is not one of the Kind constants, when kind had a snapshot less than its rate limit ago, and when another
// snapshot is being taken at that moment: a storm of triggers costs each
// trigger a try-lock and a counter (see [Recorder.Stats]), never a
// snapshot or a wait.
//
// Taking a snapshot copies the trace window, stops the world twice
// briefly (goroutine dump and profile) and builds the heap profile: a few
// to some tens of milliseconds, more with many goroutines. Trigger does
// that on the caller's goroutine, so call it where a request has already
// been answered, or from a goroutine of your own.
//
// The reason is written to the snapshot's summary and to the log: build
// it from the route and figures, not from request data.
func (r *Recorder) Trigger(kind Kind, reason string) *Snapshot {
	if r == nil || !kind.valid() {
		return nil
	}
	if !r.mu.TryLock() {
		r.dropped.Add(1)
		return nil
	}
	defer r.mu.Unlock()
	if r.closed.Load() {
		r.dropped.Add(1)
		return nil
	}
	now := r.now()
	if last := r.last[kind]; !last.IsZero() && now.Sub(last) < r.every[kind] {
		r.limited.Add(1)
		return nil
	}
	r.last[kind] = now
	if r.hook != nil {
		r.hook()
	}
	s := r.capture(kind, reason, now)
	r.taken.Add(1)
	r.logAttrs(slog.LevelInfo, "flight recorder: snapshot taken",
		slog.String("kind", kind.String()), slog.String("reason", reason),
		slog.Int("bytes", s.Size()), slog.String("notes", strings.Join(s.Notes, "; ")))
	return s
}

// Slow reports whether a request on route that took d is slow: longer
// than the route's threshold ([WithRouteThreshold]), or than the global
// one ([WithSlowThreshold]) when the route has none. It is meant for every
// request's path: a request faster than every threshold costs a
// comparison, and no call allocates. A nil or shut-down recorder reports
// false.
//
// Slow only answers; the caller then calls [Recorder.Trigger] with
// [KindSlow], which applies the rate limit.
func (r *Recorder) Slow(route string, d time.Duration) bool {
	if r == nil || d <= r.fastest || r.closed.Load() {
		return false
	}
	if t, ok := r.routes[route]; ok {
		return d > t
	}
	return d > r.slow
}
