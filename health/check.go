package health

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Checker checks one dependency or one property of the process. Check must
// return when ctx is done; a check that does not is reported as stuck and
// not run again until it returns.
type Checker interface {
	Check(ctx context.Context) error
}

// CheckFunc adapts a function to a [Checker], as http.HandlerFunc does for
// handlers: health.CheckFunc(db.PingContext).
type CheckFunc func(ctx context.Context) error

// Check calls f(ctx).
func (f CheckFunc) Check(ctx context.Context) error { return f(ctx) }

// Defaults of checks registered without [Every] or [Timeout], or with 0.
const (
	DefaultInterval = 10 * time.Second
	DefaultTimeout  = 2 * time.Second
)

// CheckOption configures one check at [Registry.Register] or [WithCheck].
// As for [Option], a zero value means the documented default, and a value
// out of range is an errorsx.InvalidArgument error naming the option and
// the value.
type CheckOption func(*checkConfig)

type checkConfig struct {
	sets      Set
	interval  time.Duration
	timeout   time.Duration
	critical  bool
	component Component
	errs      []error
}

// For puts the check in the given probes, combined with |. 0 means
// [Readiness], the default; a value with other bits than Liveness,
// Readiness and Startup is an error.
func For(sets Set) CheckOption {
	return func(c *checkConfig) {
		switch {
		case sets&^(Liveness|Readiness|Startup) != 0:
			c.errs = append(c.errs, invalid("health: For takes Liveness, Readiness and Startup only", "For", int(sets)))
		case sets == 0:
			c.sets = Readiness
		default:
			c.sets = sets
		}
	}
}

// Every runs the check every d, with jitter ([WithJitter]). 0 means
// [DefaultInterval]; a negative d is an error.
func Every(d time.Duration) CheckOption {
	return func(c *checkConfig) {
		switch {
		case d < 0:
			c.errs = append(c.errs, invalid("health: Every must not be negative", "Every", d.String()))
		case d == 0:
			c.interval = DefaultInterval
		default:
			c.interval = d
		}
	}
}

// Timeout bounds each run of the check: its context is cancelled after d.
// 0 means [DefaultTimeout]; a negative d is an error. d may be longer than
// the interval: a run is never started while the previous one is in
// flight.
func Timeout(d time.Duration) CheckOption {
	return func(c *checkConfig) {
		switch {
		case d < 0:
			c.errs = append(c.errs, invalid("health: Timeout must not be negative", "Timeout", d.String()))
		case d == 0:
			c.timeout = DefaultTimeout
		default:
			c.timeout = d
		}
	}
}

// NonCritical marks a check whose failure degrades the service without
// making it unfit for traffic: its failure makes the probe warn, answered
// with 200, instead of fail.
func NonCritical() CheckOption { return func(c *checkConfig) { c.critical = false } }

// Observation is what a check measured on a run: a goroutine count, the
// free bytes of a disk, the latency of a dependency. The health+json
// document shows it under the key "<check>:<Measurement>" as observedValue
// and observedUnit, beside "<check>:checkDuration", how long the run took.
type Observation struct {
	// Measurement names what was measured, in the words of the health+json
	// draft where one fits: "responseTime", "utilization", "connections",
	// "uptime"; or "count", "free", "size". An Observation with an empty
	// Measurement is not reported.
	Measurement string
	// Value is the measured value, in Unit: "ms", "bytes", "goroutines",
	// "%".
	Value float64
	Unit  string
}

// Measurer is a [Checker] that also reports what it measured. The registry
// calls Measure instead of Check, and keeps the observation even when the
// check fails (the free bytes of a disk that is too full).
type Measurer interface {
	Checker
	Measure(ctx context.Context) (Observation, error)
}

// MeasureFunc adapts a function to a [Measurer].
type MeasureFunc func(ctx context.Context) (Observation, error)

// Check calls f(ctx) and drops the observation.
func (f MeasureFunc) Check(ctx context.Context) error {
	_, err := f(ctx)
	return err
}

// Measure calls f(ctx).
func (f MeasureFunc) Measure(ctx context.Context) (Observation, error) { return f(ctx) }

var _ Measurer = MeasureFunc(nil)

// Component describes what a check stands for, for the readers of the
// health+json document (the draft's componentType, affectedEndpoints and
// links of a check).
type Component struct {
	// Type is the kind of component: "datastore", "component" (a service
	// the process calls), "system" (the process's own resources).
	Type string
	// AffectedEndpoints are the URLs (or URL templates) that stop working
	// while the check fails; shown only while it does not pass.
	AffectedEndpoints []string
	// Links relates the check to documents, by link relation:
	// {"runbook": "https://wiki.example.com/runbooks/db"}.
	Links map[string]string
}

// Describe tells the health+json document what the check stands for.
// componentType is shown to every caller; affectedEndpoints and links, as
// they describe the inside of the system, only to callers that
// [WithDetails] authorizes.
func Describe(c Component) CheckOption {
	c.AffectedEndpoints = slices.Clone(c.AffectedEndpoints)
	c.Links = maps.Clone(c.Links)
	return func(cfg *checkConfig) { cfg.component = c }
}
