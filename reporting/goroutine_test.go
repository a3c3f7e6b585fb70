package reporting_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

//go:noinline
func backgroundWork(ctx context.Context) {
	reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "in the goroutine"})
	panic("background failure")
}

func TestGoReportsPanicAndCarriesOn(t *testing.T) {
	rec := reportingtest.New(t)
	ctx := rec.Reporter().Bind(context.Background())
	reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "before the goroutine"})
	done := make(chan struct{})
	reporting.Go(ctx, func(ctx context.Context) {
		defer close(done)
		backgroundWork(ctx)
	})
	<-done // closed by fn's defer, before Go's recover has captured the panic
	reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "after, in the parent"})
	var evs []*sentry.Event
	for deadline := time.Now().Add(5 * time.Second); len(evs) == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		evs = rec.Events()
	}
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	ev := evs[0]
	var crumbs []string
	for _, b := range ev.Breadcrumbs {
		crumbs = append(crumbs, b.Message)
	}
	frames := ev.Exception[0].Stacktrace.Frames
	got := map[string]any{"value": ev.Exception[0].Value, "top": frames[len(frames)-1].Function, "crumbs": crumbs, "handled": *ev.Exception[0].Mechanism.Handled}
	want := map[string]any{"value": "background failure", "top": "backgroundWork", "crumbs": []string{"before the goroutine", "in the goroutine"}, "handled": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("goroutine event mismatch (-want +got):\n%s", diff)
	}
}

// TestGoRePanic runs a child test process whose goroutine panics with
// RePanic: the process must crash with the panic, and the event must be in
// the outbox for the next start.
func TestGoRePanic(t *testing.T) {
	if dir := os.Getenv("REPORTING_TEST_REPANIC_OUTBOX"); dir != "" {
		r, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0))
		if err != nil {
			t.Fatal(err)
		}
		r.Go(context.Background(), func(context.Context) { backgroundWork(context.Background()) }, reporting.RePanic())
		time.Sleep(10 * time.Second) // the panic ends the process first
		t.Fatal("the process survived a RePanic goroutine")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestGoRePanic$")
	cmd.Env = append(os.Environ(), "REPORTING_TEST_REPANIC_OUTBOX="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "panic: background failure") {
		t.Fatalf("child: %v; want it to crash with the panic; output:\n%s", err, out)
	}
	evs := outboxEventsOf(t, dir)
	if len(evs) != 1 {
		t.Fatalf("outbox holds %d events, want 1", len(evs))
	}
	value := evs[0].Exception[0].Value
	if value != "background failure" {
		t.Errorf("outbox event value = %q, want the panic's", value)
	}
}
