package tracing

import (
	"context"
	"runtime/debug"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/internal/otelenv"
)

// Setup configures OpenTelemetry tracing from opts and the standard OTEL_*
// variables and returns the [Provider] that holds it. It also installs the
// tracer provider and the propagator as OpenTelemetry's globals, where the
// package-level [Middleware], [Transport] and other instrumentation find
// them. Call [Provider.Shutdown] once the HTTP server has stopped; spans
// still buffered are lost otherwise.
//
// Setup reads the environment variables listed in the package
// documentation, and no others; it connects to nothing (exporters connect
// on first export) and never exits. An OTEL_* value that is not valid (an
// unknown sampler, exporter, protocol or propagator, a sampler argument out
// of range, an OTEL_SDK_DISABLED that is neither true nor false) is logged
// as one warning naming the variable and the value, and the default applies,
// as the specification says. An option that is not valid is the program's
// mistake: Setup returns an errorsx InvalidArgument error naming the option
// and the value. On error nothing is installed and the returned Provider is
// nil (whose methods are safe to call and do nothing).
//
// The provider samples with parentbased_always_on unless told otherwise,
// and does not add the SDK's own exception event to spans that end while
// a panic unwinds: [Middleware] records the panic on the server span, with
// its stack, and the SDK's event would be a second copy.
func Setup(ctx context.Context, opts ...Option) (*Provider, error) {
	o := &options{}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	p, err := resolve(o)
	if err != nil {
		return nil, err
	}
	if p.Disabled {
		tp := noop.NewTracerProvider()
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(p.propagator)
		logPlan(o.logger, p, nil)
		return &Provider{tp: tp, propagator: p.propagator}, nil
	}

	res, err := newResource(ctx, o)
	if err != nil {
		return nil, err
	}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(p.sampler),
		// Middleware records a panic on the server span with its stack
		// and errorsx code; the SDK's own event (type and message only)
		// would be a second, poorer copy of it.
		sdktrace.WithoutPanicRecording(),
	}
	var exporters []sdktrace.SpanExporter
	for _, e := range p.Exporters {
		exp, err := newExporter(ctx, e, o)
		if err != nil {
			for _, made := range exporters {
				_ = made.Shutdown(ctx)
			}
			return nil, err
		}
		exporters = append(exporters, exp)
	}
	pr := &Provider{propagator: p.propagator}
	for _, exp := range append(exporters, o.spanExporters...) {
		pr.processors = append(pr.processors, &onceProcessor{SpanProcessor: sdktrace.NewBatchSpanProcessor(exp)})
	}
	for _, sp := range o.processors {
		pr.processors = append(pr.processors, &onceProcessor{SpanProcessor: sp})
	}
	for _, sp := range pr.processors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	pr.sdk = sdktrace.NewTracerProvider(tpOpts...)
	pr.tp = pr.sdk

	otel.SetTracerProvider(pr.sdk)
	otel.SetTextMapPropagator(p.propagator)
	if log := o.logger; log != nil {
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			log.Warn("opentelemetry error", zap.Error(err))
		}))
	}
	logPlan(o.logger, p, res)

	return pr, nil
}

func newResource(ctx context.Context, o *options) (*resource.Resource, error) {
	name := o.serviceName
	if name == "" {
		name = executableName()
	}
	version := o.serviceVersion
	if version == "" {
		version = buildVersion()
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(name)}
	if version != "" {
		attrs = append(attrs, semconv.ServiceVersion(version))
	}
	attrs = append(attrs, o.attrs...)
	return otelenv.Resource(ctx, attrs...)
}

var executableName = otelenv.ExecutableName

// buildVersion returns the main module's version, or the VCS revision the
// binary was built from, or "".
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev[:min(len(rev), 12)] + dirty
}

func newExporter(ctx context.Context, e exporterPlan, o *options) (sdktrace.SpanExporter, error) {
	switch {
	case e.Name == otelenv.ExporterConsole:
		return stdouttrace.New(stdouttrace.WithWriter(otelenv.ConsoleWriter(o.console)))
	case e.Protocol == otelenv.ProtocolGRPC:
		return otlptracegrpc.New(ctx, otelenv.ExporterOptions(otelenv.Exporter(e), o.headers,
			otlptracegrpc.WithEndpointURL, otlptracegrpc.WithHeaders)...)
	default:
		return otlptracehttp.New(ctx, otelenv.ExporterOptions(otelenv.Exporter(e), o.headers,
			otlptracehttp.WithEndpointURL, otlptracehttp.WithHeaders)...)
	}
}

// logPlan logs the effective configuration once. Header values are never
// logged: they often hold API keys.
//
//	{"level":"info","msg":"tracing configured","disabled":false,
//	 "service.name":"checkout","service.version":"v1.4.2",
//	 "exporters":["otlp http/protobuf http://collector:4318/v1/traces"],
//	 "exporters_from":"env","sampler":"ParentBased{root:AlwaysOnSampler,...}",
//	 "sampler_from":"default","propagators":["tracecontext","baggage"]}
func logPlan(log *zap.Logger, p plan, res *resource.Resource) {
	if log == nil {
		return
	}
	otelenv.LogWarnings(log, "tracing", p.Warnings)
	fields := []zap.Field{zap.Bool("disabled", p.Disabled)}
	fields = append(fields, otelenv.ResourceFields(res, semconv.ServiceNameKey, semconv.ServiceVersionKey)...)
	exps := make([]string, 0, len(p.Exporters))
	for _, e := range p.Exporters {
		exps = append(exps, e.describe())
	}
	fields = append(fields,
		zap.Strings("exporters", exps),
		zap.String("exporters_from", p.ExporterSource),
		zap.String("sampler", p.Sampler),
		zap.String("sampler_from", p.SamplerSource),
		zap.Strings("propagators", p.Propagators))
	if !p.Disabled && len(p.Exporters) == 0 {
		fields = append(fields, zap.String("note",
			"spans are not exported (set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER); trace IDs still reach logs and downstream services"))
	}
	log.Info("tracing configured", fields...)
}

// describe names the exporter for the log line, with a user, password
// or query in its endpoint hidden (they often hold API keys).
func (e exporterPlan) describe() string { return otelenv.Exporter(e).Describe() }
