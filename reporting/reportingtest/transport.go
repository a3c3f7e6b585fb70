package reportingtest

import (
	"context"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"
)

// Transport is a sentry.Transport that keeps the events it is given, for a
// reporter set up elsewhere (by the root package's Setup, say) with
// reporting.WithTransport. Flush the reporter before reading. It is safe
// for concurrent use.
type Transport struct {
	mu     sync.Mutex
	events []*sentry.Event
}

// NewTransport returns an empty Transport.
func NewTransport() *Transport { return &Transport{} }

// Events returns the events sent so far, in the order they were sent.
func (t *Transport) Events() []*sentry.Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*sentry.Event(nil), t.events...)
}

// Event returns the event with the given ID, or nil.
func (t *Transport) Event(id string) *sentry.Event {
	for _, ev := range t.Events() {
		if string(ev.EventID) == id {
			return ev
		}
	}
	return nil
}

// Reset forgets the events sent so far.
func (t *Transport) Reset() {
	t.mu.Lock()
	t.events = nil
	t.mu.Unlock()
}

// Configure does nothing.
func (t *Transport) Configure(sentry.ClientOptions) {}

// Flush returns true: events are kept as they are sent.
func (t *Transport) Flush(time.Duration) bool { return true }

// FlushWithContext returns true: events are kept as they are sent.
func (t *Transport) FlushWithContext(context.Context) bool { return true }

// Close does nothing.
func (t *Transport) Close() {}

// SendEvent keeps ev.
func (t *Transport) SendEvent(ev *sentry.Event) {
	t.mu.Lock()
	t.events = append(t.events, ev)
	t.mu.Unlock()
}
