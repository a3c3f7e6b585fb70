package supportkit

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/metrics"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/tracing"
)

// An Option configures [Setup].
type Option func(*config)

type config struct {
	serviceName     string
	logger          *zap.Logger
	slogger         *slog.Logger
	loggerSet       bool
	reporting       []reporting.Option
	tracing         []tracing.Option
	health          []health.Option
	metrics         []metrics.Option
	crashMonitor    bool
	crashTags       map[string]string
	healthEvents    bool
	noProbes        bool
	shutdownTimeout time.Duration
	server          func(*http.Server)
	flightRecorder  bool
	flightrec       []flightrec.Option
	errs            []error
}

// DefaultShutdownTimeout is the whole shutdown's budget when
// [WithShutdownTimeout] does not set one: under Kubernetes' default
// grace period of 30 s.
const DefaultShutdownTimeout = 25 * time.Second

// WithServiceName names the service: the OpenTelemetry service.name (unless
// OTEL_SERVICE_NAME says otherwise) and the crash monitor's service tag.
// The default is the executable's name.
func WithServiceName(name string) Option { return func(c *config) { c.serviceName = name } }

// WithLogger sets the logger the service writes to; [Service.Logger] is
// this logger with the reporting core around it. The default writes JSON
// lines to standard error (zap.NewProduction). A nil logger means no log
// output.
func WithLogger(log *zap.Logger) Option {
	return func(c *config) { c.logger, c.slogger, c.loggerSet = log, nil, true }
}

// WithSlogLogger is [WithLogger] for an application that logs with
// log/slog: the service's lines, the packages' own and [Service.Fail]'s,
// go to log's handler with the same keys and the same structured error
// as with zap; [Service.SlogLogger] is log with the trace and reporting
// handlers around it. A nil log means no log output. The last of
// WithLogger and WithSlogLogger wins.
func WithSlogLogger(log *slog.Logger) Option {
	return func(c *config) {
		c.logger, c.slogger, c.loggerSet = nil, log, true
	}
}

// WithReporting passes options to [reporting.Setup] (a DSN, the outbox,
// scrubbing, ...). They come after the ones Setup derives, so they win.
func WithReporting(opts ...reporting.Option) Option {
	return func(c *config) { c.reporting = append(c.reporting, opts...) }
}

// WithTracing passes options to [tracing.Setup] (an exporter, a
// sampler, ...). They come after the ones Setup derives, so they win.
func WithTracing(opts ...tracing.Option) Option {
	return func(c *config) { c.tracing = append(c.tracing, opts...) }
}

// WithHealth passes options to [health.Setup]: the checks
// ([health.WithCheck]), the drain delay, who may read check errors, ...
func WithHealth(opts ...health.Option) Option {
	return func(c *config) { c.health = append(c.health, opts...) }
}

// WithMetrics passes options to [metrics.Setup]. Metrics follow the
// OTEL_METRICS_EXPORTER variable and its kin; with none set, a Prometheus
// reader serves [Service.Metrics]' Handler, and OTEL_METRICS_EXPORTER=none
// turns request metrics off (the middleware is then not in the path).
func WithMetrics(opts ...metrics.Option) Option {
	return func(c *config) { c.metrics = append(c.metrics, opts...) }
}

// WithHealthEvents makes a critical check's turn to fail a Sentry event
// (level warning), besides the warn log line and the breadcrumb it always
// is. Off by default: a flapping dependency would otherwise open an issue
// each time.
func WithHealthEvents() Option { return func(c *config) { c.healthEvents = true } }

// WithoutProbes leaves the probe endpoints out of [Service.Handler]: the
// application mounts them itself (Service.Health().Handle(mux)) or serves
// them on another listener.
func WithoutProbes() Option { return func(c *config) { c.noProbes = true } }

// WithCrashMonitor starts the crash monitor ([crash.Setup]) so that fatal
// crashes of any goroutine are reported too. Setup must then be the first
// thing main does: it starts the program again as the monitor, and in
// that process Setup returns only once the application has exited, with
// [Service.IsCrashMonitor] true. tags are added to crash events.
func WithCrashMonitor(tags map[string]string) Option {
	return func(c *config) { c.crashMonitor, c.crashTags = true, tags }
}

// WithShutdownTimeout bounds the whole shutdown (drain delay, HTTP
// shutdown, flushes). Zero means [DefaultShutdownTimeout]; a negative
// value is an error.
func WithShutdownTimeout(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.errs = append(c.errs, errorsx.InvalidArgument.New(fmt.Sprintf("supportkit: WithShutdownTimeout: want a positive duration, got %v", d)))
			return
		}
		c.shutdownTimeout = d
	}
}

// WithHTTPServer lets fn adjust the HTTP server that [Service.Serve]
// builds (timeouts, TLS, ErrorLog, ...) before it serves. The server's
// Handler is already set; fn may wrap it.
func WithHTTPServer(fn func(*http.Server)) Option { return func(c *config) { c.server = fn } }
