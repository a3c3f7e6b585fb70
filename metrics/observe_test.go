package metrics

import (
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/supportkit/supportkit/errorsx"
)

func TestObserveChecks(t *testing.T) {
	p, reader := setupManual(t)
	var failing atomic.Bool
	err := p.ObserveChecks(func() []CheckState {
		db := CheckState{Name: "db", Status: StatusPass, LastDuration: 1500 * time.Microsecond, Runs: 10}
		if failing.Load() {
			db.Status, db.Runs, db.Failures, db.Timeouts = StatusFail, 11, 1, 1
		}
		return []CheckState{db, {Name: "cache", Status: StatusWarn, Runs: 3, Panics: 2, StuckRuns: math.MaxUint64}}
	})
	if err != nil {
		t.Fatal(err)
	}

	rm := collect(t, reader)
	wantStatus := map[string]int64{
		"supportkit.health.check=db,supportkit.health.status=pass":    1,
		"supportkit.health.check=db,supportkit.health.status=warn":    0,
		"supportkit.health.check=db,supportkit.health.status=fail":    0,
		"supportkit.health.check=cache,supportkit.health.status=pass": 0,
		"supportkit.health.check=cache,supportkit.health.status=warn": 1,
		"supportkit.health.check=cache,supportkit.health.status=fail": 0,
	}
	if diff := cmp.Diff(wantStatus, int64Points(t, rm, "supportkit.health.check.status")); diff != "" {
		t.Errorf("status mismatch (-want +got):\n%s", diff)
	}
	counters := func(rm metricdata.ResourceMetrics) map[string]map[string]int64 {
		out := map[string]map[string]int64{}
		for _, n := range []string{"runs", "failures", "timeouts", "panics", "stuck_runs"} {
			out[n] = int64Points(t, rm, "supportkit.health.check."+n)
		}
		return out
	}
	want := map[string]map[string]int64{
		"runs":       {"supportkit.health.check=db": 10, "supportkit.health.check=cache": 3},
		"failures":   {"supportkit.health.check=db": 0, "supportkit.health.check=cache": 0},
		"timeouts":   {"supportkit.health.check=db": 0, "supportkit.health.check=cache": 0},
		"panics":     {"supportkit.health.check=db": 0, "supportkit.health.check=cache": 2},
		"stuck_runs": {"supportkit.health.check=db": 0, "supportkit.health.check=cache": math.MaxInt64},
	}
	if diff := cmp.Diff(want, counters(rm)); diff != "" {
		t.Errorf("counters mismatch (-want +got):\n%s", diff)
	}
	m, _ := findMetric(rm, "supportkit.health.check.duration")
	durations := map[string]float64{"unit": 0}
	if m.Unit == "s" {
		durations["unit"] = 1
	}
	for _, dp := range m.Data.(metricdata.Gauge[float64]).DataPoints {
		durations[attrString(dp.Attributes)] = dp.Value
	}
	wantDurations := map[string]float64{"unit": 1, "supportkit.health.check=db": 0.0015, "supportkit.health.check=cache": 0}
	if diff := cmp.Diff(wantDurations, durations); diff != "" {
		t.Errorf("durations (unit 1 = seconds) mismatch (-want +got):\n%s", diff)
	}

	failing.Store(true) // read at the next collection, not before
	rm = collect(t, reader)
	got := int64Points(t, rm, "supportkit.health.check.status")
	if got["supportkit.health.check=db,supportkit.health.status=fail"] != 1 || got["supportkit.health.check=db,supportkit.health.status=pass"] != 0 {
		t.Errorf("db did not turn to fail: %v", got)
	}
	if got := counters(rm)["failures"]["supportkit.health.check=db"]; got != 1 {
		t.Errorf("db failures = %d, want 1", got)
	}
}

func TestObserveProbes(t *testing.T) {
	p, reader := setupManual(t)
	if err := p.ObserveProbes(func() []ProbeState {
		return []ProbeState{{"liveness", StatusPass}, {"readiness", StatusFail}, {"startup", "bogus"}}
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"supportkit.health.probe=liveness,supportkit.health.status=pass":  1,
		"supportkit.health.probe=liveness,supportkit.health.status=warn":  0,
		"supportkit.health.probe=liveness,supportkit.health.status=fail":  0,
		"supportkit.health.probe=readiness,supportkit.health.status=pass": 0,
		"supportkit.health.probe=readiness,supportkit.health.status=warn": 0,
		"supportkit.health.probe=readiness,supportkit.health.status=fail": 1,
		// A status outside the three: no series says 1.
		"supportkit.health.probe=startup,supportkit.health.status=pass": 0,
		"supportkit.health.probe=startup,supportkit.health.status=warn": 0,
		"supportkit.health.probe=startup,supportkit.health.status=fail": 0,
	}
	if diff := cmp.Diff(want, int64Points(t, collect(t, reader), "supportkit.health.probe.status")); diff != "" {
		t.Errorf("probe status mismatch (-want +got):\n%s", diff)
	}
}

func TestObserveReporting(t *testing.T) {
	p, reader := setupManual(t)
	if err := p.ObserveReporting(func() ReportingStats {
		return ReportingStats{Captured: 9, Suppressed: 4, Dropped: 1, Sent: 3, Outboxed: 5, Replayed: 2, Evicted: 1, OutboxBytes: 4096}
	}); err != nil {
		t.Fatal(err)
	}
	rm := collect(t, reader)
	got := map[string]int64{}
	for _, n := range []string{"events.captured", "events.suppressed", "events.dropped", "events.sent",
		"events.outboxed", "events.replayed", "events.evicted", "outbox.size"} {
		got[n] = int64Points(t, rm, "supportkit.reporting."+n)[""]
	}
	want := map[string]int64{"events.captured": 9, "events.suppressed": 4, "events.dropped": 1, "events.sent": 3,
		"events.outboxed": 5, "events.replayed": 2, "events.evicted": 1, "outbox.size": 4096}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reporting figures mismatch (-want +got):\n%s", diff)
	}
	m, _ := findMetric(rm, "supportkit.reporting.outbox.size")
	if s := m.Data.(metricdata.Sum[int64]); m.Unit != "By" || s.IsMonotonic {
		t.Errorf("outbox size: unit %q monotonic %v; want By, an up-down counter", m.Unit, s.IsMonotonic)
	}
	m, _ = findMetric(rm, "supportkit.reporting.events.sent")
	if s := m.Data.(metricdata.Sum[int64]); !s.IsMonotonic {
		t.Error("events.sent is not a monotonic counter")
	}
}

func TestObserveSecondCallReplacesTheFirst(t *testing.T) {
	p, reader := setupManual(t)
	var firstCalls atomic.Int64
	_ = p.ObserveReporting(func() ReportingStats { firstCalls.Add(1); return ReportingStats{Sent: 1} })
	_ = p.ObserveReporting(func() ReportingStats { return ReportingStats{Sent: 7} })
	rm := collect(t, reader)
	if got := int64Points(t, rm, "supportkit.reporting.events.sent")[""]; got != 7 || firstCalls.Load() != 0 {
		t.Errorf("sent = %d, first hook called %d times; want 7 and 0", got, firstCalls.Load())
	}
}

func TestObserveHookPanicIsRecovered(t *testing.T) {
	p, reader := setupManual(t)
	_ = p.ObserveChecks(func() []CheckState { panic("hook bug") })
	_ = p.ObserveReporting(func() ReportingStats { return ReportingStats{Sent: 2} })
	// The SDK reports the callback's error and goes on with the others.
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(t.Context(), &rm)
	if got := int64Points(t, rm, "supportkit.reporting.events.sent")[""]; got != 2 {
		t.Errorf("sent = %d after another hook panicked, want 2", got)
	}
}

func TestObserveNilHookIsAnError(t *testing.T) {
	p, _ := setupManual(t)
	errs := []error{p.ObserveChecks(nil), p.ObserveProbes(nil), p.ObserveReporting(nil)}
	for i, err := range errs {
		if errorsx.CodeOf(err) != errorsx.InvalidArgument {
			t.Errorf("call %d: err = %v, want invalid_argument", i, err)
		}
	}
}

func TestObserveWithMetricsOffDoesNothing(t *testing.T) {
	clearEnv(t)
	t.Setenv(envDisabled, "true")
	p, err := Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	called := false
	err = p.ObserveChecks(func() []CheckState { called = true; return nil })
	if err != nil || called {
		t.Errorf("ObserveChecks with metrics off: err %v, hook called %v", err, called)
	}
	_ = p.Shutdown(t.Context())
}
