package tracing

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
)

// Transport wraps base (http.DefaultTransport when nil) so that every
// outgoing request gets a client span and carries the trace context
// (traceparent, baggage) to the service it calls. Use it in the
// http.Client a handler calls other services with, and pass the request's
// context (http.NewRequestWithContext):
//
//	client := &http.Client{Transport: tracing.Transport(nil)}
func Transport(base http.RoundTripper, opts ...otelhttp.Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	o := append([]otelhttp.Option{otelhttp.WithTracerProvider(otel.GetTracerProvider())}, opts...)
	return otelhttp.NewTransport(base, o...)
}
