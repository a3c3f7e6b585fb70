package metrics

import (
	"context"
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/supportkit/supportkit/errorsx"
)

// The values of CheckState.Status and ProbeState.Status: health+json's.
const (
	StatusPass = "pass"
	StatusWarn = "warn"
	StatusFail = "fail"
)

var statuses = [...]string{StatusPass, StatusWarn, StatusFail}

// The attribute keys of the health instruments.
const (
	CheckKey  = attribute.Key("supportkit.health.check")
	ProbeKey  = attribute.Key("supportkit.health.probe")
	StatusKey = attribute.Key("supportkit.health.status")
)

// CheckState is what the health instruments read of one check at
// collection time. The counters are totals since the process started.
type CheckState struct {
	Name         string // the check's registered name
	Status       string // StatusPass, StatusWarn or StatusFail
	LastDuration time.Duration
	Runs         uint64
	Failures     uint64
	Timeouts     uint64
	Panics       uint64
	StuckRuns    uint64
}

// ProbeState is the state of one probe: "liveness", "readiness" or
// "startup", and its status (StatusPass or StatusFail).
type ProbeState struct {
	Name   string
	Status string
}

// ReportingStats are the error reporter's counters, totals since the
// process started, and the outbox's current size.
type ReportingStats struct {
	Captured    uint64 // events the application captured
	Suppressed  uint64 // held back by storm control
	Dropped     uint64 // lost: queue full, or not writable to the outbox
	Sent        uint64 // accepted by Sentry
	Outboxed    uint64 // written to the outbox
	Replayed    uint64 // found in the outbox at start and sent again
	Evicted     uint64 // removed from a full outbox to make room
	OutboxBytes int64
}

// ObserveChecks makes the health instruments (see the package
// documentation) read the checks' state from snapshot at each collection:
// a Prometheus scrape or a push exporter's interval. snapshot must be safe
// for concurrent use and fast (it should read the last results, not run
// checks); a panic in it is recovered and the collection goes on without
// health figures. The check names become attribute values: they come from
// the program, as registered checks do. A second call replaces the first
// hook. A nil snapshot is an error. When metrics are off it does nothing.
func (p *Provider) ObserveChecks(snapshot func() []CheckState) error {
	if snapshot == nil {
		return errorsx.InvalidArgument.New("metrics: ObserveChecks needs a snapshot function", "argument", "snapshot", "value", "nil")
	}
	if p == nil || p.sdk == nil {
		return nil
	}
	m := p.meter
	status, err1 := m.Int64ObservableGauge("supportkit.health.check.status",
		metric.WithDescription("1 for the check's current status (supportkit.health.status: pass, warn, fail), 0 for the others."))
	duration, err2 := m.Float64ObservableGauge("supportkit.health.check.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of the check's last run."))
	runs, err3 := m.Int64ObservableCounter("supportkit.health.check.runs",
		metric.WithUnit("{run}"), metric.WithDescription("Runs of the check."))
	failures, err4 := m.Int64ObservableCounter("supportkit.health.check.failures",
		metric.WithUnit("{run}"), metric.WithDescription("Runs of the check that failed (timeouts and panics included)."))
	timeouts, err5 := m.Int64ObservableCounter("supportkit.health.check.timeouts",
		metric.WithUnit("{run}"), metric.WithDescription("Runs of the check that exceeded their timeout."))
	panics, err6 := m.Int64ObservableCounter("supportkit.health.check.panics",
		metric.WithUnit("{run}"), metric.WithDescription("Runs of the check that panicked."))
	stuck, err7 := m.Int64ObservableCounter("supportkit.health.check.stuck_runs",
		metric.WithUnit("{run}"), metric.WithDescription("Runs of the check that never returned after their timeout."))
	if err := firstError(err1, err2, err3, err4, err5, err6, err7); err != nil {
		return err
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) (err error) {
		defer recoverHook("ObserveChecks", &err)
		for _, c := range snapshot() {
			name := CheckKey.String(c.Name)
			set := metric.WithAttributeSet(attribute.NewSet(name))
			for _, s := range statuses {
				o.ObserveInt64(status, boolInt(c.Status == s), metric.WithAttributeSet(attribute.NewSet(name, StatusKey.String(s))))
			}
			o.ObserveFloat64(duration, c.LastDuration.Seconds(), set)
			o.ObserveInt64(runs, clamp(c.Runs), set)
			o.ObserveInt64(failures, clamp(c.Failures), set)
			o.ObserveInt64(timeouts, clamp(c.Timeouts), set)
			o.ObserveInt64(panics, clamp(c.Panics), set)
			o.ObserveInt64(stuck, clamp(c.StuckRuns), set)
		}
		return nil
	}, status, duration, runs, failures, timeouts, panics, stuck)
	if err != nil {
		return err
	}
	p.replace(&p.checks, reg)
	return nil
}

// ObserveProbes makes supportkit.health.probe.status read the probes'
// state (liveness, readiness, startup) from snapshot at each collection,
// on the terms of [Provider.ObserveChecks].
func (p *Provider) ObserveProbes(snapshot func() []ProbeState) error {
	if snapshot == nil {
		return errorsx.InvalidArgument.New("metrics: ObserveProbes needs a snapshot function", "argument", "snapshot", "value", "nil")
	}
	if p == nil || p.sdk == nil {
		return nil
	}
	status, err := p.meter.Int64ObservableGauge("supportkit.health.probe.status",
		metric.WithDescription("1 for the probe's current status (supportkit.health.status: pass, warn, fail), 0 for the others."))
	if err != nil {
		return err
	}
	reg, err := p.meter.RegisterCallback(func(_ context.Context, o metric.Observer) (err error) {
		defer recoverHook("ObserveProbes", &err)
		for _, pr := range snapshot() {
			name := ProbeKey.String(pr.Name)
			for _, s := range statuses {
				o.ObserveInt64(status, boolInt(pr.Status == s), metric.WithAttributeSet(attribute.NewSet(name, StatusKey.String(s))))
			}
		}
		return nil
	}, status)
	if err != nil {
		return err
	}
	p.replace(&p.probes, reg)
	return nil
}

// ObserveReporting makes the reporting instruments (see the package
// documentation) read the error reporter's counters from snapshot at each
// collection, on the terms of [Provider.ObserveChecks].
func (p *Provider) ObserveReporting(snapshot func() ReportingStats) error {
	if snapshot == nil {
		return errorsx.InvalidArgument.New("metrics: ObserveReporting needs a snapshot function", "argument", "snapshot", "value", "nil")
	}
	if p == nil || p.sdk == nil {
		return nil
	}
	m := p.meter
	counter := func(what, desc string) (metric.Int64ObservableCounter, error) {
		return m.Int64ObservableCounter("supportkit.reporting.events."+what,
			metric.WithUnit("{event}"), metric.WithDescription(desc))
	}
	captured, err1 := counter("captured", "Error events the application captured.")
	suppressed, err2 := counter("suppressed", "Events held back by storm control.")
	dropped, err3 := counter("dropped", "Events lost: the queue was full or the outbox not writable.")
	sent, err4 := counter("sent", "Events Sentry accepted.")
	outboxed, err5 := counter("outboxed", "Events written to the outbox.")
	replayed, err6 := counter("replayed", "Events found in the outbox at start and sent again.")
	evicted, err7 := counter("evicted", "Events removed from a full outbox to make room.")
	size, err8 := m.Int64ObservableUpDownCounter("supportkit.reporting.outbox.size",
		metric.WithUnit("By"), metric.WithDescription("Bytes the outbox holds."))
	if err := firstError(err1, err2, err3, err4, err5, err6, err7, err8); err != nil {
		return err
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) (err error) {
		defer recoverHook("ObserveReporting", &err)
		s := snapshot()
		o.ObserveInt64(captured, clamp(s.Captured))
		o.ObserveInt64(suppressed, clamp(s.Suppressed))
		o.ObserveInt64(dropped, clamp(s.Dropped))
		o.ObserveInt64(sent, clamp(s.Sent))
		o.ObserveInt64(outboxed, clamp(s.Outboxed))
		o.ObserveInt64(replayed, clamp(s.Replayed))
		o.ObserveInt64(evicted, clamp(s.Evicted))
		o.ObserveInt64(size, s.OutboxBytes)
		return nil
	}, captured, suppressed, dropped, sent, outboxed, replayed, evicted, size)
	if err != nil {
		return err
	}
	p.replace(&p.reporter, reg)
	return nil
}

// replace installs reg in slot and unregisters what was there.
func (p *Provider) replace(slot *metric.Registration, reg metric.Registration) {
	p.mu.Lock()
	old := *slot
	*slot = reg
	p.mu.Unlock()
	if old != nil {
		_ = old.Unregister()
	}
}

func recoverHook(name string, err *error) {
	if v := recover(); v != nil {
		*err = errorsx.Internal.New("metrics: the hook panicked", "hook", name, "panic", fmt.Sprint(v))
	}
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func clamp(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}
