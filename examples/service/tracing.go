package main

import (
	"context"
	"net/http"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/tracing"
)

// setupTracing wires package tracing: spans follow the OTEL_* variables
// (none are exported when they say nothing, but requests still get trace
// IDs for the logs); it returns the HTTP middleware and a shutdown function
// that flushes spans. The middleware is given mux because the reporting
// middleware between the two passes a copy of the request down, so the
// route pattern the mux sets never comes back up on its own.
func setupTracing(ctx context.Context, log *zap.Logger, mux *http.ServeMux) (mw func(http.Handler) http.Handler, shutdown func(context.Context) error, err error) {
	shutdown, err = tracing.Setup(ctx,
		tracing.WithServiceName("supportkit-example"),
		tracing.WithLogger(log))
	if err != nil {
		return nil, nil, err
	}
	return tracing.Middleware(tracing.WithRouter(mux)), shutdown, nil
}

// traceID returns the trace ID of the request in ctx, or "".
func traceID(ctx context.Context) string { return tracing.TraceID(ctx) }

// logFields returns the zap fields that tie a log line to the request's
// trace.
func logFields(ctx context.Context) []zap.Field { return tracing.LogFields(ctx) }
