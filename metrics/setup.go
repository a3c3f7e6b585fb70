package metrics

import (
	"context"
	"net/http"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/internal/otelenv"
)

// ScopeName is the instrumentation scope of the instruments this package
// creates (the otel_scope_name label in Prometheus).
const ScopeName = "github.com/supportkit/supportkit/metrics"

// Provider holds the metrics pipeline [Setup] built: the meter provider,
// the Prometheus handler, the request instruments and the observer hooks.
// Its methods are safe for concurrent use, and on a nil *Provider do what
// they do with metrics off. When metrics are off
// (OTEL_SDK_DISABLED=true, or OTEL_METRICS_EXPORTER=none), every method
// still works and records nothing, and [Provider.Middleware] returns the
// handler unchanged.
type Provider struct {
	sdk      *sdkmetric.MeterProvider // nil when off
	api      metric.MeterProvider
	meter    metric.Meter
	prom     http.Handler // nil without the Prometheus reader
	noProm   string       // why there is no Prometheus reader
	requests *requestInstruments

	mu                       sync.Mutex
	checks, probes, reporter metric.Registration

	shutdownOnce sync.Once
	shutdownErr  error
}

// Setup builds the metrics pipeline from opts and the standard OTEL_*
// variables (listed in the package documentation), installs its meter
// provider as OpenTelemetry's global one (where other instrumentation
// finds it), starts the Go runtime metrics, and returns the [Provider].
// Call [Provider.Shutdown] once the HTTP server has stopped: push
// exporters export one last time then.
//
// Setup connects to nothing (OTLP exporters connect on first export) and
// starts no goroutine unless a push exporter is configured (each periodic
// reader has one, which Shutdown stops). An OTEL_* value that is not valid
// is logged as one warning naming the variable and the value, and the
// default applies, as the specification says. An option that is not valid
// is the program's mistake: Setup returns an errorsx error naming it. On
// error nothing is installed.
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
	if p.Off {
		api := noop.NewMeterProvider()
		otel.SetMeterProvider(api)
		logPlan(o.logger, p, nil)
		return &Provider{api: api, meter: api.Meter(ScopeName), noProm: "metrics are off (" + p.OffReason + ")"}, nil
	}

	res, err := newResource(ctx, o)
	if err != nil {
		return nil, err
	}
	var producer []sdkmetric.Producer
	if !o.noRuntime {
		// The scheduler-latency histogram comes precomputed from the
		// runtime, as a producer each reader asks at collection time.
		producer = append(producer, runtime.NewProducer())
	}
	pr := &Provider{noProm: envExporter + "=" + os.Getenv(envExporter) + " does not name prometheus"}
	var readers []sdkmetric.Reader
	stopAll := func() {
		for _, r := range readers {
			_ = r.Shutdown(ctx)
		}
	}
	if p.Prometheus {
		reg := prometheus.NewRegistry()
		promOpts := []otelprom.Option{
			otelprom.WithRegisterer(reg),
			otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
		}
		for _, pd := range producer {
			promOpts = append(promOpts, otelprom.WithProducer(pd))
		}
		exp, err := otelprom.New(promOpts...)
		if err != nil {
			return nil, err
		}
		readers = append(readers, exp)
		pr.prom = promhttp.HandlerFor(reg, promhttp.HandlerOpts{
			EnableOpenMetrics: true, // exemplars exist only in OpenMetrics
			ErrorHandling:     promhttp.ContinueOnError,
		})
	}
	for _, e := range p.Push {
		exp, err := newExporter(ctx, e, o)
		if err != nil {
			stopAll()
			return nil, err
		}
		ropts := []sdkmetric.PeriodicReaderOption{sdkmetric.WithInterval(p.Interval)}
		for _, pd := range producer {
			ropts = append(ropts, sdkmetric.WithProducer(pd))
		}
		readers = append(readers, sdkmetric.NewPeriodicReader(exp, ropts...))
	}
	readers = append(readers, o.readers...)

	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithView(dropOtelHTTPServer)}
	for _, r := range readers {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	mp := sdkmetric.NewMeterProvider(mpOpts...)
	pr.sdk, pr.api = mp, mp
	pr.meter = mp.Meter(ScopeName)
	if pr.requests, err = newRequestInstruments(pr.meter); err != nil {
		_ = mp.Shutdown(ctx)
		return nil, err
	}
	if !o.noRuntime {
		if err := runtime.Start(runtime.WithMeterProvider(mp)); err != nil {
			_ = mp.Shutdown(ctx)
			return nil, err
		}
	}
	otel.SetMeterProvider(mp)
	logPlan(o.logger, p, res)
	return pr, nil
}

// otelHTTPScope is otelhttp's instrumentation scope. tracing.Middleware
// wraps otelhttp, which records server metrics to the global meter
// provider Setup installs: http.server.request.duration without the error
// code, a second series of every request beside [Provider.Middleware]'s,
// which a sum over routes would count twice. Its client metrics
// (http.client.*, from an otelhttp transport) stay.
const otelHTTPScope = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

var dropOtelHTTPServer = sdkmetric.NewView(
	sdkmetric.Instrument{Name: "http.server.*", Scope: instrumentation.Scope{Name: otelHTTPScope}},
	sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}},
)

// MeterProvider returns the meter provider, for instruments of the
// application's own. When metrics are off it is a no-op provider.
func (p *Provider) MeterProvider() metric.MeterProvider {
	if p == nil {
		return noop.NewMeterProvider()
	}
	return p.api
}

// Shutdown stops the pipeline: push exporters export what they hold one
// last time, within ctx's deadline, and their goroutines stop. It is
// idempotent: later calls return the first call's result. After it,
// instruments record nothing and the Prometheus handler serves no series.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil {
		return nil
	}
	p.shutdownOnce.Do(func() {
		if p.sdk == nil {
			return
		}
		p.mu.Lock()
		for _, r := range []metric.Registration{p.checks, p.probes, p.reporter} {
			if r != nil {
				_ = r.Unregister()
			}
		}
		p.checks, p.probes, p.reporter = nil, nil, nil
		p.mu.Unlock()
		p.shutdownErr = p.sdk.Shutdown(ctx)
	})
	return p.shutdownErr
}

func newResource(ctx context.Context, o *options) (*resource.Resource, error) {
	name := o.serviceName
	if name == "" {
		name = otelenv.ExecutableName()
	}
	return otelenv.Resource(ctx, semconv.ServiceName(name))
}

func newExporter(ctx context.Context, e exporterPlan, o *options) (sdkmetric.Exporter, error) {
	switch {
	case e.Name == otelenv.ExporterConsole:
		return stdoutmetric.New(stdoutmetric.WithWriter(otelenv.ConsoleWriter(o.console)))
	case e.Protocol == otelenv.ProtocolGRPC:
		return otlpmetricgrpc.New(ctx, otelenv.ExporterOptions(otelenv.Exporter(e), nil,
			otlpmetricgrpc.WithEndpointURL, otlpmetricgrpc.WithHeaders)...)
	default:
		return otlpmetrichttp.New(ctx, otelenv.ExporterOptions(otelenv.Exporter(e), nil,
			otlpmetrichttp.WithEndpointURL, otlpmetrichttp.WithHeaders)...)
	}
}

// logPlan logs the effective configuration once. Header values are never
// logged: they often hold API keys.
//
//	{"level":"info","msg":"metrics configured","off":false,
//	 "service.name":"checkout","prometheus":true,
//	 "exporters":["otlp http/protobuf http://collector:4318/v1/metrics"],
//	 "exporters_from":"env","interval":"1m0s"}
func logPlan(log *zap.Logger, p plan, res *resource.Resource) {
	if log == nil {
		return
	}
	otelenv.LogWarnings(log, "metrics", p.Warnings)
	if p.Off {
		log.Info("metrics configured", zap.Bool("off", true), zap.String("because", p.OffReason))
		return
	}
	fields := []zap.Field{zap.Bool("off", false)}
	fields = append(fields, otelenv.ResourceFields(res, semconv.ServiceNameKey)...)
	exps := make([]string, 0, len(p.Push))
	for _, e := range p.Push {
		exps = append(exps, e.describe())
	}
	fields = append(fields,
		zap.Bool("prometheus", p.Prometheus),
		zap.Strings("exporters", exps),
		zap.String("exporters_from", p.ExporterSource),
		zap.Duration("interval", p.Interval))
	log.Info("metrics configured", fields...)
}
