package tracing

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// serverSpans wraps the tracer provider otelhttp starts server spans
// with, so that otelhttp holds a [serverSpan] rather than the provider's
// own span. The request's context still carries the provider's span:
// handlers, RecordError and other middleware see nothing of this.
type serverSpans struct{ trace.TracerProvider }

func (p serverSpans) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return serverTracer{p.TracerProvider.Tracer(name, opts...)}
}

type serverTracer struct{ trace.Tracer }

func (t serverTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	ctx, span := t.Tracer.Start(ctx, name, opts...)
	if !span.IsRecording() {
		return ctx, span
	}
	return ctx, &serverSpan{span}
}

// serverSpan is otelhttp's handle on the server span. It changes two
// things:
//
//   - Once the handler has returned, otelhttp sets the status of a 5xx
//     answer to Error with an empty description, which the SDK lets
//     replace the description already there: the error's message that
//     RecordError, or a recovering middleware, gave. serverSpan drops that
//     call when the span's status is already Error. (Only the SDK's spans
//     tell their status; with another provider the call goes through.)
//   - otelhttp ends the span with "defer span.End()". The SDK's End, called
//     so while a panic unwinds, recovers and re-raises the panic to add an
//     exception event of its own (type and message, no stack) unless the
//     provider was built WithoutPanicRecording. Called through serverSpan's
//     End it is no longer the deferred function itself, so its recover
//     returns nil (the language's rule): the Middleware's event, with the
//     panic site's stack, stays the only one whatever the provider.
type serverSpan struct{ trace.Span }

// statusReader is what the SDK's spans (sdktrace.ReadOnlySpan) offer.
type statusReader interface{ Status() sdktrace.Status }

func (s *serverSpan) SetStatus(code codes.Code, description string) {
	if code == codes.Error && description == "" {
		if r, ok := s.Span.(statusReader); ok && r.Status().Code == codes.Error {
			return
		}
	}
	s.Span.SetStatus(code, description)
}

func (s *serverSpan) End(opts ...trace.SpanEndOption) { s.Span.End(opts...) }
