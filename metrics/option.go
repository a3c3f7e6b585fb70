package metrics

import (
	"io"
	"log/slog"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/internal/zapslog"
)

// Option configures [Setup]. Options are the code's defaults: where an
// OTEL_* variable covers the same setting, the variable wins, so that
// operators can reconfigure a deployed service without a rebuild.
type Option func(*options)

type options struct {
	logger      *zap.Logger
	serviceName string
	readers     []sdkmetric.Reader
	prometheus  bool
	noRuntime   bool
	interval    time.Duration
	console     io.Writer
}

// WithLogger sets the logger Setup reports its configuration and the
// OTEL_* values it ignored to. A nil logger (the default) means no log
// output.
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

// WithServiceName sets service.name. OTEL_SERVICE_NAME and a service.name
// in OTEL_RESOURCE_ATTRIBUTES win over it; without either, the default is
// the executable's name.
func WithServiceName(name string) Option { return func(o *options) { o.serviceName = name } }

// WithReader adds a reader of the application's own, typically an
// sdkmetric.NewManualReader in a test. Such readers are attached whatever
// OTEL_METRICS_EXPORTER says (only OTEL_SDK_DISABLED=true leaves them
// out), and Shutdown shuts them down. Nil readers are ignored.
func WithReader(r sdkmetric.Reader) Option {
	return func(o *options) {
		if r != nil {
			o.readers = append(o.readers, r)
		}
	}
}

// WithPrometheus keeps the Prometheus reader behind [Provider.Handler]
// even when OTEL_METRICS_EXPORTER names other exporters and not
// prometheus: use it when the application's deployment scrapes /metrics
// whatever else is configured. OTEL_METRICS_EXPORTER=none (alone) and
// OTEL_SDK_DISABLED=true still turn metrics off: the operator has the last
// word.
func WithPrometheus() Option { return func(o *options) { o.prometheus = true } }

// WithRuntimeMetrics turns the Go runtime metrics (memory, GC, goroutines,
// scheduler latency) on or off. The default is on.
func WithRuntimeMetrics(on bool) Option { return func(o *options) { o.noRuntime = !on } }

// WithExportInterval sets how often push exporters (otlp, console) export.
// OTEL_METRIC_EXPORT_INTERVAL wins over it. Zero means the default, 60
// seconds; a negative interval is an error.
func WithExportInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// withConsole sends the console exporter's output to w instead of
// standard output (tests).
func withConsole(w io.Writer) Option { return func(o *options) { o.console = w } }
