package reporting

import (
	"context"
	"net/http"
	"runtime"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
)

// BindCall returns a context for one call that a transport other than
// net/http serves (a gRPC call, a message from a queue), which works as
// [Reporter.Middleware]'s does for a request: it has a hub of its own,
// made on first use (breadcrumbs, user and tags never leak between calls),
// and the package-level [Capture], [Go], [SetUser], [SetTag] and
// [LogContext] find the reporter in it.
//
// Its events name transaction as their transaction ("pkg.Service/Method"
// for a gRPC call, as otelgrpc names the call's span). When request is not
// nil, it is called with ctx when an event is made, and the request it
// returns (a gRPC call's method as the path, its metadata as the header)
// is the event's request, scrubbed as the middleware's requests are; its
// header also gives the incoming trace when no OpenTelemetry span does.
// request may be called from any goroutine that captures with the
// context, and must be safe for that; it may return nil. A request that
// reads what it needs from ctx (a top-level function rather than a
// closure) costs a call that goes well nothing.
//
// Package reporting/grpcreporting calls it for each gRPC call; it is
// exported for other transports.
func (r *Reporter) BindCall(ctx context.Context, transaction string, request func(ctx context.Context) *http.Request) context.Context {
	if request == nil {
		request = noRequest
	}
	return &requestContext{Context: ctx, r: r, name: transaction, call: request}
}

func noRequest(context.Context) *http.Request { return nil }

// RecoverPanic reports v, a panic that the caller's deferred function has
// just recovered, as the middleware reports a handler's panic, and returns
// the event ID ("" when storm control held the event back). Call it from
// that deferred function itself, so that the stack of the panic site is
// still there to be read:
//
//	defer func() {
//		if v := recover(); v != nil {
//			id := rep.RecoverPanic(ctx, v)
//			err = answer(id) // the caller's own answer, with id as the reference
//		}
//	}()
//
// The event (level fatal, the stack from the panic site, the context's
// hub, request and transaction) is on disk or delivered before it returns,
// as the middleware's is; the active span of ctx is marked as failed, with
// one exception event (type "panic", the scrubbed text, the stack) and the
// event ID as [EventIDAttribute]; and one error line is logged with the
// event, trace and span IDs.
func (r *Reporter) RecoverPanic(ctx context.Context, v any) string {
	var pcs [maxFrames + 16]uintptr
	n := runtime.Callers(1, pcs[:])
	site := panicStack(pcs[:n])
	id := r.capturePanic(ctx, v, site, true)
	r.markPanicSpan(trace.SpanFromContext(ctx), v, site, id)
	var extra []zap.Field
	if rc, ok := ctx.Value(requestKey{}).(*requestContext); ok && rc.name != "" {
		extra = append(extra, zap.String("transaction", r.scrub.transaction(rc.name)))
	}
	r.logPanic(ctx, "panic recovered", id, v, extra...)
	return id
}
