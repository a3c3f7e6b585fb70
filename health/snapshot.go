package health

import (
	"time"
)

// Result is what is known of one check: its configuration, its last run and
// its counters since it was registered. Results are values; a Result never
// changes after it is published.
type Result struct {
	Name     string
	Sets     Set
	Critical bool
	Interval time.Duration
	Timeout  time.Duration
	// Component is what [Describe] said of the check.
	Component Component

	// Status is pass, or fail when the last run failed, or warn when a
	// non-critical check failed. A check that has not finished a run yet is
	// Pending and its Status is fail.
	Status  Status
	Pending bool
	// Stuck is true while a run has outlived its timeout without returning:
	// the check ignores its context. Status is fail while it is stuck.
	Stuck bool
	// Err is why the last run failed (nil when it passed).
	Err error
	// Time is when the last run ended; Duration is how long it took.
	Time     time.Time
	Duration time.Duration
	// Observation is what the last run measured, for a [Measurer].
	Observation Observation

	// Counters since the check was registered: finished runs, failed runs, runs that outlived
	// their timeout, runs that panicked, and runs found stuck.
	Runs, Failures, Timeouts, Panics, StuckRuns uint64
}

// effective is r's status as a probe of set sees it: a pending check fails
// every probe but liveness.
func (r *Result) effective(set Set) Status {
	if r.Pending && !r.Stuck {
		if set == Liveness {
			return StatusPass
		}
		return StatusFail
	}
	return r.Status
}

// Snapshot is the published state of a [Registry]: every check's latest
// [Result] and the status of each probe. It is immutable; probes read the
// current one with an atomic load and never wait for a check.
type Snapshot struct {
	results  []Result // sorted by name
	index    map[string]int
	views    [numViews]Status
	draining bool
	stopped  bool
	started  bool // startup has passed, once and for all
	next     chan struct{}
}

// The probes answered from precomputed statuses.
const (
	viewLive = iota
	viewReady
	viewStartup
	viewHealthz
	numViews
)

var viewSets = [numViews]Set{Liveness, Readiness, Startup, Liveness | Readiness}

func viewOf(set Set) int {
	for i, s := range viewSets {
		if s == set {
			return i
		}
	}
	return -1
}

// Results returns every check's latest result, sorted by name. The slice
// is a copy.
func (s *Snapshot) Results() []Result { return append([]Result(nil), s.results...) }

// Result returns the latest result of the named check.
func (s *Snapshot) Result(name string) (Result, bool) {
	i, ok := s.index[name]
	if !ok {
		return Result{}, false
	}
	return s.results[i], true
}

// Draining reports whether [Registry.MarkDraining] has been called: from
// then on readiness fails.
func (s *Snapshot) Draining() bool { return s.draining }

// Stopped reports whether the registry has stopped ([Registry.Shutdown]):
// no check runs any more and this is the last snapshot.
func (s *Snapshot) Stopped() bool { return s.stopped }

// Next returns a channel that is closed when a newer snapshot is published.
func (s *Snapshot) Next() <-chan struct{} { return s.next }

// Status returns the status of the probes in set: the worst status of
// their checks, where a failing non-critical check counts as warn. Readiness
// fails while draining, and also while a check has not run yet; liveness
// does not wait for checks to run. Startup, once passed, stays passed.
func (s *Snapshot) Status(set Set) Status {
	if v := viewOf(set); v >= 0 {
		return s.views[v]
	}
	return s.compute(set, nil)
}

func (s *Snapshot) compute(set Set, exclude map[string]bool) Status {
	if set&Readiness != 0 && s.draining {
		return StatusFail
	}
	if set == Startup && s.started {
		return StatusPass
	}
	st := StatusPass
	for i := range s.results {
		r := &s.results[i]
		if r.Sets&set == 0 || exclude[r.Name] {
			continue
		}
		st = max(st, r.effective(set))
	}
	return st
}

// checkStatus is the status of one check as a probe of set reports it.
// Draining fails the probe, not the check.
func (s *Snapshot) checkStatus(set Set, r *Result) Status {
	if set == Startup && s.started {
		return StatusPass
	}
	return r.effective(set)
}
