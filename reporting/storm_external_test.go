package reporting_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
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

//go:noinline
func paymentFailure(i int) error {
	return errorsx.Unavailable.New("payment gateway down", "attempt", i)
}

// TestStormCountsEachFailureOnce: a failure that is captured and then
// logged, as handlers do, counts once when storm control holds it back,
// whichever path reports it first.
func TestStormCountsEachFailureOnce(t *testing.T) {
	tests := []struct {
		name   string
		newErr func(i int) error
		report func(ctx context.Context, log *zap.Logger, err error)
	}{
		{"errorsx, capture then log", paymentFailure, func(ctx context.Context, log *zap.Logger, err error) {
			reporting.Capture(ctx, err)
			log.Error("payment failed", errorsx.Zap(err))
		}},
		{"plain error, capture then log", func(i int) error { return fmt.Errorf("gateway down (%d)", i) }, func(ctx context.Context, log *zap.Logger, err error) {
			reporting.Capture(ctx, err)
			log.Error("payment failed", zap.Error(err))
		}},
		{"errorsx, log then capture", paymentFailure, func(ctx context.Context, log *zap.Logger, err error) {
			log.Error("payment failed", errorsx.Zap(err))
			reporting.Capture(ctx, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := reportingtest.New(t, reporting.WithStormLimit(0.001, 1))
			log, logs := newLogger(rec)
			ctx := rec.Reporter().Bind(context.Background())
			for i := range 31 { // the first goes out, 30 are held back
				tt.report(ctx, log.With(reporting.LogContext(ctx)), tt.newErr(i))
			}
			withID := 0
			for _, l := range logs.All() {
				if _, ok := l.ContextMap()[reporting.EventIDKey]; ok {
					withID++
				}
			}
			got := map[string]any{"events": len(rec.Events()), "suppressed": rec.Reporter().Stats().Suppressed, "lines with event_id": withID}
			want := map[string]any{"events": 1, "suppressed": int64(30), "lines with event_id": 1}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("storm mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
