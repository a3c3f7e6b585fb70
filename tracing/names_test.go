package tracing

import "github.com/supportkit/supportkit/internal/otelenv"

// The names the tests use for what package otelenv defines. The
// per-signal variables are spelt out, not derived, so that the tests
// check otelenv's derivation of them.
const (
	envDisabled        = otelenv.EnvSDKDisabled
	envEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesEndpoint  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envHeaders         = "OTEL_EXPORTER_OTLP_HEADERS"
	envTracesHeaders   = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	protocolHTTP       = otelenv.ProtocolHTTP
	protocolGRPC       = otelenv.ProtocolGRPC
	exporterOTLP       = otelenv.ExporterOTLP
	exporterConsole    = otelenv.ExporterConsole
	sourceEnv          = otelenv.SourceEnv
	sourceOption       = otelenv.SourceOption
	sourceDefault      = otelenv.SourceDefault
	sourceEndpointOnly = otelenv.SourceEndpointOnly
)
