package tracingtest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Recorder records the spans ended through its TracerProvider.
type Recorder struct {
	// TracerProvider samples every span and hands it, once ended, to the
	// in-memory exporter. Pass it explicitly (tracing.WithTracerProvider)
	// to keep a test independent of the globals.
	TracerProvider *sdktrace.TracerProvider
	// Exporter holds the ended spans.
	Exporter *tracetest.InMemoryExporter
}

// New returns a Recorder and installs its TracerProvider, and the W3C
// tracecontext and baggage propagators, as OpenTelemetry's globals for the
// rest of the test; the previous globals come back, and the provider is
// shut down, when the test ends. Because the globals are process-wide,
// tests that call New must not run in parallel (as with t.Setenv).
func New(t testing.TB) *Recorder {
	t.Helper()
	r := NewRecorder()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(r.TracerProvider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		if err := r.TracerProvider.Shutdown(context.Background()); err != nil {
			t.Errorf("tracingtest: shutdown: %v", err)
		}
	})
	return r
}

// NewRecorder returns a Recorder without touching the globals; it starts
// no goroutine. Shut its TracerProvider down when done.
func NewRecorder() *Recorder {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(exp),
		sdktrace.WithoutPanicRecording(), // as tracing.Setup does
	)
	return &Recorder{TracerProvider: tp, Exporter: exp}
}

// Spans returns the spans ended so far, in the order they ended.
func (r *Recorder) Spans() tracetest.SpanStubs { return r.Exporter.GetSpans() }

// Span returns the first ended span named name.
func (r *Recorder) Span(name string) (tracetest.SpanStub, bool) {
	for _, s := range r.Exporter.GetSpans() {
		if s.Name == name {
			return s, true
		}
	}
	return tracetest.SpanStub{}, false
}

// Names returns the names of the spans ended so far, in the order they
// ended.
func (r *Recorder) Names() []string {
	spans := r.Exporter.GetSpans()
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name
	}
	return names
}

// Reset forgets the spans recorded so far.
func (r *Recorder) Reset() { r.Exporter.Reset() }
