package reporting

import (
	"context"
	"net/http"
	"sync"

	"github.com/getsentry/sentry-go"
)

// requestContext is the context the middleware gives a request, and the
// one [Reporter.Bind] makes. It is its own context value, so that a
// request costs one allocation for it, and it clones the reporter's hub
// only when something asks for it (a breadcrumb, a tag, a capture): a
// request that goes well never pays for a hub. sentry.GetHubFromContext
// finds the hub too.
type requestContext struct {
	context.Context
	r   *Reporter
	req *http.Request // the request, read only on its own goroutine
	// snap is the request as copied when a goroutine was started from it
	// (see [Reporter.Go]); it wins over req, which that goroutine must not
	// read.
	snap *requestSnapshot

	mu  sync.Mutex
	hub *sentry.Hub
}

type requestKey struct{}

// snapshot returns a copy of what an event needs of the request, or nil.
// Call it on the goroutine that serves the request.
func (c *requestContext) snapshot() *requestSnapshot {
	if c.snap != nil {
		return c.snap
	}
	return snapshotRequest(c.req)
}

func (c *requestContext) Value(key any) any {
	switch key {
	case sentry.HubContextKey:
		return c.Hub()
	case requestKey{}:
		return c
	}
	return c.Context.Value(key)
}

// Hub returns the context's own hub, cloned from the reporter's on first
// use.
func (c *requestContext) Hub() *sentry.Hub {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hub == nil {
		c.hub = c.r.hub.Clone()
	}
	return c.hub
}

// Bind returns a context bound to the reporter with a hub of its own, for
// work outside any HTTP request (a job, a consumer loop, main): the
// package-level [Capture], [Go], [SetUser], [SetTag] and [LogContext] then
// find the reporter in it.
func (r *Reporter) Bind(ctx context.Context) context.Context {
	return &requestContext{Context: ctx, r: r}
}

// reporterFrom finds the reporter a context is bound to: through the
// middleware's or Bind's context, or through a sentry hub whose client is
// a reporter's.
func reporterFrom(ctx context.Context) *Reporter {
	if ctx == nil {
		return nil
	}
	if rc, ok := ctx.Value(requestKey{}).(*requestContext); ok {
		return rc.r
	}
	if hub, ok := ctx.Value(sentry.HubContextKey).(*sentry.Hub); ok && hub.Client() != nil {
		if t, ok := hub.Client().Transport.(*clientTransport); ok {
			return t.r
		}
	}
	return nil
}

// hubFrom returns the hub of ctx, or nil.
func hubFrom(ctx context.Context) *sentry.Hub {
	if ctx == nil {
		return nil
	}
	hub, _ := ctx.Value(sentry.HubContextKey).(*sentry.Hub)
	return hub
}

// SetUser sets the user of the request or goroutine in ctx: its events
// carry it, other requests' do not. It does nothing when ctx has no hub.
func SetUser(ctx context.Context, u sentry.User) {
	if hub := hubFrom(ctx); hub != nil {
		hub.Scope().SetUser(u)
	}
}

// SetTag sets a tag on the events of the request or goroutine in ctx.
func SetTag(ctx context.Context, key, value string) {
	if hub := hubFrom(ctx); hub != nil {
		hub.Scope().SetTag(key, value)
	}
}

// AddBreadcrumb records a breadcrumb on the request or goroutine in ctx.
func AddBreadcrumb(ctx context.Context, b *sentry.Breadcrumb) {
	if hub := hubFrom(ctx); hub != nil {
		hub.AddBreadcrumb(b, nil)
	}
}
