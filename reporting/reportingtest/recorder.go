package reportingtest

import (
	"context"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting"
)

// Recorder is a reporting.Reporter that keeps its events in memory. It is
// safe for concurrent use.
type Recorder struct {
	rep *reporting.Reporter
	mem *Transport
}

// New sets up a Recorder with opts (reporting.WithTransport is replaced)
// and shuts it down when the test ends. SENTRY_* variables are ignored
// unless opts set the same things.
func New(t testing.TB, opts ...reporting.Option) *Recorder {
	t.Helper()
	mem := NewTransport()
	all := append([]reporting.Option{
		reporting.WithDSN(""), reporting.WithEnvironment("test"), reporting.WithRelease("test"),
	}, opts...)
	all = append(all, reporting.WithTransport(mem))
	rep, err := reporting.Setup(context.Background(), all...)
	if err != nil {
		t.Fatalf("reportingtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rep.Shutdown(ctx); err != nil {
			t.Errorf("reportingtest: shutdown: %v", err)
		}
	})
	return &Recorder{rep: rep, mem: mem}
}

// Reporter returns the reporter under test.
func (r *Recorder) Reporter() *reporting.Reporter { return r.rep }

// Events waits until every event captured so far has been built (up to 30
// s) and returns them, in the order they were delivered.
func (r *Recorder) Events() []*sentry.Event {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = r.rep.Flush(ctx)
	return r.mem.Events()
}

// Event returns the event with the given ID, or nil.
func (r *Recorder) Event(id string) *sentry.Event {
	for _, ev := range r.Events() {
		if string(ev.EventID) == id {
			return ev
		}
	}
	return nil
}

// Reset forgets the events recorded so far.
func (r *Recorder) Reset() {
	_ = r.Events()
	r.mem.Reset()
}
