package tracing

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// otelEnv lists every variable the package (and the exporters it builds)
// reads, so that a test starts from a known environment whatever CI sets.
var otelEnv = []string{
	envDisabled, envExporter, envEndpoint, envTracesEndpoint, envProtocol,
	envTracesProtocol, envHeaders, envTracesHeaders, envSampler, envSamplerArg,
	envPropagators, "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
}

// clearEnv empties every OTEL_* variable for the test, then sets kv.
func clearEnv(t *testing.T, kv map[string]string) {
	t.Helper()
	for _, k := range otelEnv {
		t.Setenv(k, "")
	}
	for k, v := range kv {
		t.Setenv(k, v)
	}
}

// setupForTest runs Setup with an in-memory exporter behind a synchronous
// processor, and restores OpenTelemetry's globals when the test ends.
func setupForTest(t *testing.T, opts ...Option) (*tracetest.InMemoryExporter, *Provider) {
	t.Helper()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	exp := tracetest.NewInMemoryExporter()
	opts = append([]Option{WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(exp))}, opts...)
	prov, err := Setup(context.Background(), opts...)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() {
		if err := prov.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	})
	return exp, prov
}
