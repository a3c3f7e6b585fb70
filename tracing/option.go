package tracing

import (
	"io"
	"log/slog"
	"maps"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/internal/zapslog"
)

// Option configures [Setup]. Options are the code's defaults: where an
// OTEL_* variable that covers the same setting is set, the variable wins,
// so that operators can reconfigure a deployed service without a rebuild
// (see the package documentation for the list). An option given its
// argument's zero value ("", nil) leaves the documented default in place;
// a value that is not valid makes Setup return an error naming the option.
type Option func(*options)

type options struct {
	serviceName    string
	serviceVersion string
	attrs          []attribute.KeyValue
	exporters      []string
	protocol       string
	endpoint       string
	headers        map[string]string
	sampler        sdktrace.Sampler
	propagators    []string
	spanExporters  []sdktrace.SpanExporter
	processors     []sdktrace.SpanProcessor
	logger         *zap.Logger
	disabled       bool
	console        io.Writer
}

// WithServiceName sets service.name. OTEL_SERVICE_NAME and a service.name
// in OTEL_RESOURCE_ATTRIBUTES win over it; without either, the default is
// the executable's name.
func WithServiceName(name string) Option { return func(o *options) { o.serviceName = name } }

// WithServiceVersion sets service.version. The default is the main
// module's version from the build information, when it has one.
func WithServiceVersion(version string) Option {
	return func(o *options) { o.serviceVersion = version }
}

// WithResourceAttributes adds resource attributes (deployment.environment,
// service.namespace, ...). OTEL_RESOURCE_ATTRIBUTES wins for the same key.
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return func(o *options) { o.attrs = append(o.attrs, attrs...) }
}

// WithExporter names the exporters to use, as OTEL_TRACES_EXPORTER would:
// "otlp", "console" or "none". OTEL_TRACES_EXPORTER wins over it. Without
// either, spans are exported over OTLP when an endpoint is configured and
// not at all otherwise.
func WithExporter(names ...string) Option {
	return func(o *options) { o.exporters = append([]string(nil), names...) }
}

// WithProtocol sets the OTLP protocol: "http/protobuf" (the default) or
// "grpc". OTEL_EXPORTER_OTLP_TRACES_PROTOCOL and OTEL_EXPORTER_OTLP_PROTOCOL
// win over it.
func WithProtocol(protocol string) Option { return func(o *options) { o.protocol = protocol } }

// WithEndpoint sets the OTLP endpoint as a base URL, like
// OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" (for http/protobuf
// the path /v1/traces is added) or "http://collector:4317" (grpc). An
// "http" scheme means no TLS. OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and
// OTEL_EXPORTER_OTLP_ENDPOINT win over it.
func WithEndpoint(url string) Option { return func(o *options) { o.endpoint = url } }

// WithHeaders sets headers sent with every OTLP export (an API key, for
// example). OTEL_EXPORTER_OTLP_TRACES_HEADERS and OTEL_EXPORTER_OTLP_HEADERS
// win over them. Header values are never logged.
func WithHeaders(headers map[string]string) Option {
	return func(o *options) { o.headers = maps.Clone(headers) }
}

// WithSampler sets the sampler. OTEL_TRACES_SAMPLER (with
// OTEL_TRACES_SAMPLER_ARG) wins over it. The default (also for a nil s) is
// parentbased_always_on.
func WithSampler(s sdktrace.Sampler) Option { return func(o *options) { o.sampler = s } }

// WithPropagators names the propagators, as OTEL_PROPAGATORS would:
// "tracecontext", "baggage", "b3", "b3multi", "jaeger", "xray", "ottrace"
// or "none". OTEL_PROPAGATORS wins over it. The default is
// tracecontext,baggage.
func WithPropagators(names ...string) Option {
	return func(o *options) { o.propagators = append([]string(nil), names...) }
}

// WithSpanExporter adds an exporter of your own, batched like the others.
// It is used in addition to those OTEL_TRACES_EXPORTER names. A nil e adds
// nothing.
func WithSpanExporter(e sdktrace.SpanExporter) Option {
	return func(o *options) {
		if e != nil {
			o.spanExporters = append(o.spanExporters, e)
		}
	}
}

// WithSpanProcessor adds a span processor of your own (a synchronous one in
// tests, for example; see package tracingtest). A nil p adds nothing.
func WithSpanProcessor(p sdktrace.SpanProcessor) Option {
	return func(o *options) {
		if p != nil {
			o.processors = append(o.processors, p)
		}
	}
}

// WithLogger makes Setup log the effective configuration once, at info
// level, and the OTEL_* values it ignored at warn level, and routes
// OpenTelemetry's internal errors (a failed export, for example) to log at
// warn level. A nil log, the default, means no log output.
func WithLogger(log *zap.Logger) Option { return func(o *options) { o.logger = log } }

// WithSlogLogger is [WithLogger] for a log/slog logger: the same lines,
// with the same keys, go to log's handler (a nil log means no log
// output, as with WithLogger).
func WithSlogLogger(log *slog.Logger) Option {
	if log == nil {
		return WithLogger(nil)
	}
	return WithLogger(zapslog.Logger(log))
}

// WithDisabled turns tracing off, as OTEL_SDK_DISABLED=true does: no spans
// are created and [Middleware] adds nothing to the request path. Setting
// OTEL_SDK_DISABLED to "false" turns it back on.
func WithDisabled(disabled bool) Option { return func(o *options) { o.disabled = disabled } }

// WithConsoleWriter sets where the "console" exporter writes (nil, the
// default: standard output).
func WithConsoleWriter(w io.Writer) Option { return func(o *options) { o.console = w } }
