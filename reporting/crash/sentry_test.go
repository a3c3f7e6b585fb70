package crash_test

import (
	"context"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// newSentry starts the fake Sentry of reportingtest, up, closed when the
// test ends. The tests send to its project "1".
func newSentry(t testing.TB) *reportingtest.Server {
	t.Helper()
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// fatalEvents returns the fatal events project 1 has received.
func fatalEvents(srv *reportingtest.Server) []*sentry.Event {
	var out []*sentry.Event
	for _, ev := range srv.Events("1") {
		if ev.Level == sentry.LevelFatal {
			out = append(out, ev)
		}
	}
	return out
}

// waitFatal waits up to timeout until project 1 has received a fatal
// event, and returns the fatal events received by then.
func waitFatal(srv *reportingtest.Server, timeout time.Duration) []*sentry.Event {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for n := 1; ; n++ {
		if evs := fatalEvents(srv); len(evs) > 0 {
			return evs
		}
		if _, err := srv.WaitEvents(ctx, "1", n); err != nil {
			return fatalEvents(srv)
		}
	}
}
