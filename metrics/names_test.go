package metrics

import "github.com/supportkit/supportkit/internal/otelenv"

// The names the tests use for what package otelenv defines. The
// per-signal variables are spelt out, not derived, so that the tests
// check otelenv's derivation of them.
const (
	envDisabled        = otelenv.EnvSDKDisabled
	envEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
	envHeaders         = "OTEL_EXPORTER_OTLP_HEADERS"
	envMetricsHeaders  = "OTEL_EXPORTER_OTLP_METRICS_HEADERS"
	sourceDefault      = otelenv.SourceDefault
)
