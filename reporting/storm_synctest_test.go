package reporting_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestStormHeldBackCaptureReturnsEmpty: Capture returns "" for exactly
// the occurrences storm control holds back (the caller then falls back to
// the trace ID), and the next event of the fingerprint says how many were
// held back since the last one that went out.
func TestStormHeldBackCaptureReturnsEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := reportingtest.New(t, reporting.WithStormLimit(1, 2)) // two at once, then one a second
		ctx := rec.Reporter().Bind(context.Background())
		err := errors.New("database is down")
		var got []bool
		for i := range 7 { // one call site: one fingerprint
			if i == 5 {
				time.Sleep(time.Second) // the bubble's clock: one token comes back
			}
			got = append(got, reporting.Capture(ctx, err) != "")
		}
		if diff := cmp.Diff([]bool{true, true, false, false, false, true, false}, got); diff != "" {
			t.Errorf("Capture returned an ID mismatch (-want +got):\n%s", diff)
		}
		evs := rec.Events()
		var storms []sentry.Context
		for _, ev := range evs {
			storms = append(storms, ev.Contexts["storm"])
		}
		want := []sentry.Context{nil, nil, {"suppressed": int64(3)}}
		if diff := cmp.Diff(want, storms); diff != "" {
			t.Errorf("storm contexts mismatch (-want +got):\n%s", diff)
		}
		if s := rec.Reporter().Stats().Suppressed; s != 4 {
			t.Errorf("Stats.Suppressed = %d, want 4", s)
		}
	})
}
