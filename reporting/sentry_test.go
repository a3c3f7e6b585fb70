package reporting_test

import (
	"context"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// newSentry starts the fake Sentry of reportingtest, up, closed when the
// test ends (after the test's own deferred shutdowns).
func newSentry(t testing.TB) *reportingtest.Server {
	t.Helper()
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// waitSentry waits up to timeout for at least n events of project.
func waitSentry(srv *reportingtest.Server, project string, n int, timeout time.Duration) ([]*sentry.Event, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return srv.WaitEvents(ctx, project, n)
}

// byProject returns the IDs of the events received, by project.
func byProject(srv *reportingtest.Server) map[string][]string {
	out := map[string][]string{}
	for _, env := range srv.Envelopes() {
		for _, ev := range env.Events {
			out[env.Project] = append(out[env.Project], string(ev.EventID))
		}
	}
	return out
}

func shutdown(t testing.TB, r *reporting.Reporter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
