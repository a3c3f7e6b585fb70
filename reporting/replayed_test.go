package reporting_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestStatsReplayed: events an earlier run left in the outbox (Sentry was
// down) are sent by the next run and counted as Replayed; that run's own
// events are Sent but not Replayed.
func TestStatsReplayed(t *testing.T) {
	srv := newSentry(t)
	dir := t.TempDir()
	opts := []reporting.Option{reporting.WithDSN(srv.DSN("1")), reporting.WithOutbox(dir, 0), reporting.WithRetry(time.Hour, time.Hour)}

	srv.Set(reportingtest.Down())
	earlier, err := reporting.Setup(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	earlier.Capture(context.Background(), errors.New("left behind 1"))
	earlier.Capture(context.Background(), errors.New("left behind 2"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = earlier.Shutdown(ctx) // Sentry is down: both stay in the outbox
	if st := earlier.Stats(); st.Sent != 0 || st.Replayed != 0 || st.OutboxFiles != 2 {
		t.Fatalf("earlier run: %+v, want 2 files left and nothing sent", st)
	}

	srv.Set(reportingtest.Up())
	next, err := reporting.Setup(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	next.Capture(context.Background(), errors.New("this run's"))
	if _, err := waitSentry(srv, "1", 3, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	shutdown(t, next)
	st := next.Stats()
	type counts struct{ Captured, Sent, Replayed int64 }
	if diff := cmp.Diff(counts{Captured: 1, Sent: 3, Replayed: 2}, counts{st.Captured, st.Sent, st.Replayed}); diff != "" {
		t.Errorf("next run's stats mismatch (-want +got):\n%s", diff)
	}
}
