package health

// Status is the outcome of a check or of a set of checks, in the words of
// the health+json draft: pass, warn or fail. Worse statuses compare greater.
type Status uint8

// The statuses. A failing check that is not critical makes its set warn,
// which is answered with 200 like pass.
const (
	StatusPass Status = iota + 1
	StatusWarn
	StatusFail
)

// String returns "pass", "warn", "fail", or "unknown" for the zero Status.
func (s Status) String() string {
	switch s {
	case StatusPass:
		return "pass"
	case StatusWarn:
		return "warn"
	case StatusFail:
		return "fail"
	}
	return "unknown"
}

// Set names the probes a check belongs to; combine them with |.
type Set uint8

// The probes. A check belongs to Readiness unless registered with [For].
const (
	// Liveness answers "should this process be restarted?" (/livez).
	Liveness Set = 1 << iota
	// Readiness answers "should this process get traffic now?" (/readyz).
	Readiness
	// Startup answers "has this process finished starting?" (/startupz).
	// Once it has passed it stays passed.
	Startup
)

// String returns the probe names joined by "+", e.g. "liveness+readiness".
func (s Set) String() string {
	var out string
	for _, p := range [...]struct {
		s    Set
		name string
	}{{Liveness, "liveness"}, {Readiness, "readiness"}, {Startup, "startup"}} {
		if s&p.s != 0 {
			if out != "" {
				out += "+"
			}
			out += p.name
		}
	}
	if out == "" {
		return "none"
	}
	return out
}
