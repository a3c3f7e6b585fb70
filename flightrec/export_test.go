package flightrec

import "time"

// WithClock replaces time.Now for the rate limit and the snapshots' times.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLimits replaces the parts' bounds (zero keeps a bound's default).
func WithLimits(trace, goroutineDump, goroutineProfile, heapProfile int) Option {
	return func(o *options) {
		o.limits = limits{trace: trace, goroutineDump: goroutineDump,
			goroutineProfile: goroutineProfile, heapProfile: heapProfile}
	}
}

// WithCapturing runs hook while a snapshot is being taken, before its
// parts are captured.
func WithCapturing(hook func()) Option { return func(o *options) { o.capturing = hook } }

// Settings returns the window's settings as Setup resolved them.
func (r *Recorder) Settings() (minAge time.Duration, maxBytes int64, every []time.Duration, slow time.Duration) {
	return r.minAge, r.maxBytes, r.every[1:], r.slow
}
