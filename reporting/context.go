package reporting

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/trace"
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
	// call and name describe a call bound with [Reporter.BindCall]: call
	// gives its request (nil when none) when an event is made, name is
	// its transaction.
	call func(context.Context) *http.Request
	name string
	// snap is the request as copied when a goroutine was started from it
	// (see [Reporter.Go]); it wins over req, which that goroutine must not
	// read.
	snap *requestSnapshot

	// w is the writer the middleware gives the handler; it lives in the
	// context's own allocation, so that knowing whether the response has
	// started costs a request nothing.
	w responseWriter

	// logs are the breadcrumbs of log/slog records (see SlogHandler),
	// made into sentry breadcrumbs by the hub's event processor only when
	// an event is made; nil until the first.
	logs atomic.Pointer[logCrumbs]

	mu  sync.Mutex
	hub *sentry.Hub
	// trace is the trace this context's work belongs to when no
	// OpenTelemetry span says otherwise; made on first use (see traceID).
	trace sentry.TraceID
}

type requestKey struct{}

// logCrumbs returns the context's log breadcrumbs, made on first use.
func (c *requestContext) logCrumbs() *logCrumbs {
	if l := c.logs.Load(); l != nil {
		return l
	}
	c.logs.CompareAndSwap(nil, &logCrumbs{})
	return c.logs.Load()
}

// mergeLogs is the event processor of the context's hub (see
// logCrumbs.merge).
func (c *requestContext) mergeLogs(ev *sentry.Event, hint *sentry.EventHint) *sentry.Event {
	if l := c.logs.Load(); l != nil {
		return l.merge(ev, hint)
	}
	return ev
}

// snapshot returns a copy of what an event needs of the request, or nil.
// Call it on the goroutine that serves the request.
func (c *requestContext) snapshot() *requestSnapshot {
	if c.snap != nil {
		return c.snap
	}
	if c.call != nil {
		s := snapshotRequest(c.call(c.Context))
		if s == nil {
			s = &requestSnapshot{}
		}
		s.name = c.name
		return s
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
// use, with the context's own trace (never the base hub's, which every
// clone would share).
func (c *requestContext) Hub() *sentry.Hub {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hub == nil {
		c.hub = c.r.hub.Clone()
		c.hub.Scope().SetPropagationContext(sentry.PropagationContext{TraceID: c.traceLocked(), SpanID: newSpanID()})
		c.hub.Scope().AddEventProcessor(c.mergeLogs)
	}
	return c.hub
}

// traceID returns the trace of this context's work: the active
// OpenTelemetry span's, else the request's incoming sentry-trace or
// traceparent header's, else a random one, made once.
func (c *requestContext) traceID() sentry.TraceID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.traceLocked()
}

func (c *requestContext) traceLocked() sentry.TraceID {
	if c.trace != (sentry.TraceID{}) {
		return c.trace
	}
	if sc := trace.SpanContextFromContext(c.Context); sc.HasTraceID() {
		c.trace = sentry.TraceID(sc.TraceID())
	} else if id, ok := c.incoming(); ok {
		c.trace = id
	} else {
		c.trace = newTraceID()
	}
	return c.trace
}

func (c *requestContext) incoming() (sentry.TraceID, bool) {
	switch {
	case c.snap != nil:
		return incomingTraceID(c.snap.header)
	case c.req != nil:
		return incomingTraceID(c.req.Header)
	case c.call != nil:
		if req := c.call(c.Context); req != nil {
			return incomingTraceID(req.Header)
		}
	}
	return sentry.TraceID{}, false
}

// isRequest reports whether the context serves an HTTP request (or was
// started from one), as opposed to [Reporter.Bind]'s.
func (c *requestContext) isRequest() bool { return c.req != nil || c.snap != nil || c.call != nil }

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

// responseWriter remembers whether the response has started (status line
// or body written, flushed or hijacked), so that a panic after that does
// not write a second response into the first. It keeps the optional
// interfaces net/http's own writer has (Flusher, Hijacker, ReaderFrom,
// Pusher) and unwraps for http.ResponseController.
type responseWriter struct {
	http.ResponseWriter
	started bool
	// status is the status the client got (0 until a response started),
	// read by whoever captures an event of the request.
	status atomic.Int32
}

// wrote records the status of the response, the first time only.
func (w *responseWriter) wrote(code int) {
	w.started = true
	if w.status.Load() == 0 {
		w.status.Store(int32(code))
	}
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ http.Pusher   = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

func (w *responseWriter) WriteHeader(code int) {
	// 1xx answers (103 Early Hints) come before the response; 101
	// switches protocols and is the response.
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.wrote(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.wrote(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps net/http's sendfile path (io.Copy finds the server's
// ReaderFrom behind this writer).
func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wrote(http.StatusOK)
	return io.Copy(w.ResponseWriter, r)
}

func (w *responseWriter) Flush() {
	w.wrote(http.StatusOK)
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// FlushError is what http.ResponseController calls, so that its caller
// still learns when the writer cannot flush.
func (w *responseWriter) FlushError() error {
	w.wrote(http.StatusOK)
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.started = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *responseWriter) Push(target string, opts *http.PushOptions) error {
	if p, ok := w.ResponseWriter.(http.Pusher); ok {
		return p.Push(target, opts)
	}
	return http.ErrNotSupported
}

// Unwrap returns the server's writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
