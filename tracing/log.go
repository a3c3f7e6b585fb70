package tracing

import (
	"context"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
)

// The zap field names that tie a log line to its trace, as the
// OpenTelemetry log data model names them.
const (
	TraceIDKey    = "trace_id"
	SpanIDKey     = "span_id"
	TraceFlagsKey = "trace_flags"
)

// LogFields returns the fields that tie a log line to the span in ctx:
//
//	"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01"
//
// It returns nil, without allocating, when ctx carries no valid span
// context.
func LogFields(ctx context.Context) []zap.Field {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []zap.Field{
		zap.String(TraceIDKey, sc.TraceID().String()),
		zap.String(SpanIDKey, sc.SpanID().String()),
		zap.String(TraceFlagsKey, sc.TraceFlags().String()),
	}
}

// Logger returns log with the fields of [LogFields] added, so that every
// line it writes carries the trace ID of the request in ctx. It returns
// log itself, without allocating, when ctx carries no valid span context.
func Logger(ctx context.Context, log *zap.Logger) *zap.Logger {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return log
	}
	return log.With(LogFields(ctx)...)
}

// TraceID returns the hexadecimal trace ID of the span in ctx, or "" when
// there is none: the reference a user can quote and a support engineer can
// search for in logs and traces.
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}
