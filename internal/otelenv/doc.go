// Package otelenv is the one reading of the OpenTelemetry environment that
// packages tracing and metrics share, so that a variable means the same to
// both: OTEL_SDK_DISABLED, the OTLP endpoint, protocol and headers with
// their per-signal variants (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT wins over
// OTEL_EXPORTER_OTLP_ENDPOINT), comma-separated lists, the
// specification's boolean and millisecond durations, the service's
// resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) and the options
// the OTLP exporters are built with.
//
// # Warn and use the default
//
// The specification says that a value that is not valid is warned about
// and the default applies; the service starts. An [Env] collects these as
// [Warning] values while a package resolves its plan, and [LogWarnings]
// logs each once. An option set in code that is not valid is the program's
// own mistake: [Env.OTLP] returns an errorsx InvalidArgument error naming
// the option and the value.
//
// # What stays in the packages
//
// Each package keeps what is its own: tracing its samplers, propagators
// and exporter list, metrics its readers, Prometheus, export interval and
// exporter list. Both follow the module's convention: Setup(ctx, opts...)
// returns a value whose Shutdown(ctx) is bounded by ctx and idempotent;
// options are validated at start, a nil logger means no log output. This
// package starts nothing and holds no state beyond an [Env]'s warnings.
package otelenv
