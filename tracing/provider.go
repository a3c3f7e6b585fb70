package tracing

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Provider is tracing as [Setup] configured it: the tracer provider, the
// propagator, and what flushes and stops them. Its methods are safe for
// concurrent use. A nil *Provider is tracing that was never set up: its
// methods are safe to call and add nothing (Shutdown returns nil,
// Middleware returns the handler unchanged).
type Provider struct {
	tp         trace.TracerProvider     // the SDK's, or a no-op one when disabled
	sdk        *sdktrace.TracerProvider // nil when disabled
	propagator propagation.TextMapPropagator
	processors []*onceProcessor

	once sync.Once
	err  error
}

// TracerProvider returns the tracer provider: the SDK's, or a no-op one
// when tracing is disabled (or p is nil).
func (p *Provider) TracerProvider() trace.TracerProvider {
	if p == nil {
		return noop.NewTracerProvider()
	}
	return p.tp
}

// Propagator returns the propagator chosen by OTEL_PROPAGATORS or
// [WithPropagators] (tracecontext and baggage by default). For a nil p it
// is a propagator that reads and writes nothing.
func (p *Provider) Propagator() propagation.TextMapPropagator {
	if p == nil {
		return propagation.NewCompositeTextMapPropagator()
	}
	return p.propagator
}

// Middleware is [Middleware] with p's tracer provider and propagator
// rather than OpenTelemetry's globals; opts may override either. When
// tracing is disabled, or p is nil, it returns the handler unchanged.
func (p *Provider) Middleware(opts ...MiddlewareOption) func(http.Handler) http.Handler {
	if p == nil {
		return func(h http.Handler) http.Handler { return h }
	}
	return Middleware(append([]MiddlewareOption{WithTracerProvider(p.tp), WithTextMapPropagator(p.propagator)}, opts...)...)
}

// Transport is [Transport] with p's tracer provider and propagator rather
// than OpenTelemetry's globals; opts may override either. For a nil p
// outgoing requests get no span and carry no trace context.
func (p *Provider) Transport(base http.RoundTripper, opts ...otelhttp.Option) http.RoundTripper {
	return Transport(base, append([]otelhttp.Option{
		otelhttp.WithTracerProvider(p.TracerProvider()), otelhttp.WithPropagators(p.Propagator())}, opts...)...)
}

// Shutdown flushes the spans still buffered and stops the exporters, their
// connections and the batch processors' goroutines. It returns when done or
// when ctx ends, whichever comes first (the processors are told to stop even
// then, and stop as soon as their current export returns, which the
// exporter's own timeout bounds). It is idempotent: later calls return the
// first call's result. Spans ended after Shutdown are dropped. A nil p, or
// one set up disabled, has nothing to stop.
//
// Shutdown does not uninstall the globals Setup installed.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil || p.sdk == nil {
		return nil
	}
	p.once.Do(func() {
		errs := []error{p.sdk.ForceFlush(ctx)}
		// Each processor is told to stop even when ctx has already
		// expired (TracerProvider.Shutdown skips them then): a batch
		// processor stops its goroutine as soon as its last export
		// returns, which its export timeout bounds.
		for _, sp := range p.processors {
			errs = append(errs, sp.Shutdown(ctx))
		}
		errs = append(errs, p.sdk.Shutdown(ctx))
		p.err = errors.Join(errs...)
	})
	return p.err
}

// onceProcessor shuts its processor down once, however often it is asked.
type onceProcessor struct {
	sdktrace.SpanProcessor
	once sync.Once
}

func (p *onceProcessor) Shutdown(ctx context.Context) error {
	var err error
	p.once.Do(func() { err = p.SpanProcessor.Shutdown(ctx) })
	return err
}
