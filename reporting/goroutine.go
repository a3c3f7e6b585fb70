package reporting

import (
	"context"
	"runtime"

	"github.com/getsentry/sentry-go"
)

// GoOption configures [Go].
type GoOption func(*goConfig)

type goConfig struct{ repanic bool }

// RePanic makes [Go] panic again after reporting, so that the process
// crashes as it would without the helper. The event is written to the
// outbox (or the test transport) before the panic resumes, so that it is
// sent at the next start even though the process dies.
func RePanic() GoOption { return func(c *goConfig) { c.repanic = true } }

// Go runs fn in a new goroutine with a context of its own: a hub cloned
// from ctx's (so breadcrumbs and tags set so far come along, and what fn
// adds stays with fn). If fn panics, the panic is reported with the stack
// of the panic site and then, by default, recovered: the goroutine ends
// and the process carries on. [RePanic] chooses to crash instead.
//
// fn's work belongs to the trace of the request it was started from: its
// events carry that request's trace ID (its OpenTelemetry trace, or the
// one the reporter gave the request). Started outside any request, it
// gets a trace of its own.
//
// The reporter is the one bound to ctx; with none, fn runs with neither
// hub nor recovery.
func Go(ctx context.Context, fn func(ctx context.Context), opts ...GoOption) {
	r := reporterFrom(ctx)
	if r == nil {
		go fn(ctx)
		return
	}
	r.Go(ctx, fn, opts...)
}

// Go is the package-level [Go] with this reporter.
func (r *Reporter) Go(ctx context.Context, fn func(ctx context.Context), opts ...GoOption) {
	var cfg goConfig
	for _, o := range opts {
		o(&cfg)
	}
	parent := r.hub
	if h := hubFrom(ctx); h != nil {
		parent = h
	}
	gc := &requestContext{Context: ctx, r: r, hub: parent.Clone()}
	if rc, ok := ctx.Value(requestKey{}).(*requestContext); ok {
		gc.snap = rc.snapshot() // on the caller's goroutine: the handler may still change its request
		if rc.isRequest() {
			gc.trace = rc.traceID() // the goroutine is part of the request's work
		}
	}
	if gc.trace == (sentry.TraceID{}) {
		gc.trace = gc.traceID()
	}
	gc.hub.Scope().SetPropagationContext(sentry.PropagationContext{TraceID: gc.trace, SpanID: newSpanID()})
	gc.hub.Scope().AddEventProcessor(gc.mergeLogs) // the parent's, inherited, gives the request's log lines
	go func() {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			var pcs [maxFrames + 16]uintptr
			n := runtime.Callers(1, pcs[:])
			if cfg.repanic {
				markRePanic(gc.hub, v) // see repanic.go: the crash monitor then sends no second event
			}
			id := r.capturePanic(gc, v, panicStack(pcs[:n]), cfg.repanic)
			r.logPanic(gc, "panic in goroutine", id, v)
			if cfg.repanic {
				panic(v)
			}
		}()
		fn(gc)
	}()
}

// persist builds and keeps a job on the caller's goroutine: the process is
// about to end, so the event is written to the outbox (never sent from
// here) before persist returns, and the next start delivers it.
func (r *Reporter) persist(j *job) {
	if r.closed.Load() {
		r.queue.dropOne() // as enqueue does after Shutdown
		return
	}
	r.captured.Add(1)
	if ev := r.process(r.build(j), j.scope, j.hint()); ev != nil {
		r.keep(ev)
	}
}
