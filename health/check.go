package health

import (
	"context"
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

// Defaults for checks registered without [Every] or [Timeout].
const (
	DefaultInterval = 10 * time.Second
	DefaultTimeout  = 2 * time.Second
)

// CheckOption configures one check at [Registry.Register].
type CheckOption func(*checkConfig)

type checkConfig struct {
	sets     Set
	interval time.Duration
	timeout  time.Duration
	critical bool
}

// For puts the check in the given probes (default [Readiness]).
func For(sets Set) CheckOption { return func(c *checkConfig) { c.sets = sets } }

// Every runs the check every d, with jitter (default [DefaultInterval]).
// d must be positive.
func Every(d time.Duration) CheckOption { return func(c *checkConfig) { c.interval = d } }

// Timeout bounds each run of the check (default [DefaultTimeout]). The
// check's context is cancelled after d; d must be positive.
func Timeout(d time.Duration) CheckOption { return func(c *checkConfig) { c.timeout = d } }

// NonCritical marks a check whose failure degrades the service without
// making it unfit for traffic: its failure makes the probe warn, answered
// with 200, instead of fail.
func NonCritical() CheckOption { return func(c *checkConfig) { c.critical = false } }
