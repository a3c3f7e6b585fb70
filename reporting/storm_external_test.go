package reporting_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestStormCountsRideOnNextEvent: one error captured in a loop makes one
// event; the occurrences held back are counted and reported with the next
// event of the same fingerprint.
func TestStormCountsRideOnNextEvent(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithStormLimit(4, 1)) // one at once, then one per 250 ms
	ctx := rec.Reporter().Bind(context.Background())
	err := errors.New("database is down")
	var ids []string
	for i := range 7 { // one call site: one fingerprint
		if i == 6 {
			time.Sleep(400 * time.Millisecond) // a token comes back
		}
		if id := reporting.Capture(ctx, err); id != "" {
			ids = append(ids, id)
		}
	}
	evs := rec.Events()
	if len(evs) != 2 || len(ids) != 2 {
		t.Fatalf("got %d events (%d IDs), want 2", len(evs), len(ids))
	}
	got := []any{evs[0].Contexts["storm"], evs[1].Contexts["storm"], rec.Reporter().Stats().Suppressed}
	want := []any{sentry.Context(nil), sentry.Context{"suppressed": int64(5)}, int64(5)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("storm mismatch (-want +got):\n%s", diff)
	}
}
