// Package metrics exports the numbers a support engineer watches first,
// before any trace or report: request rate, errors and latency by route,
// the state of the health checks, what the error reporter did, and the Go
// runtime, as OpenTelemetry metrics, scraped by Prometheus or pushed over
// OTLP. A latency sample carries the trace ID of its request (an
// exemplar), so that a spike on a dashboard leads to the trace that
// caused it.
//
// # Set-up
//
// It follows the module's convention: one start function, Setup(ctx,
// opts...), returns a value whose Shutdown(ctx) stops it within ctx's
// deadline and may be called more than once; options are checked at start
// (the zero value of each is its documented default, a value out of range
// is an errorsx error naming the option and the value); a nil logger means
// no log output; middleware has the shape func(http.Handler) http.Handler.
//
//	prov, err := metrics.Setup(ctx, metrics.WithLogger(log))
//	if err != nil {
//		return err
//	}
//	defer prov.Shutdown(context.Background()) // after the HTTP server has stopped
//
//	mux.Handle("GET /metrics", prov.Handler())
//	handler := tracing.Middleware()(prov.Middleware()(rep.Middleware(prov.MarkPanics()(mux))))
//
// Setup installs its meter provider as OpenTelemetry's global one, where
// other instrumentation (otelhttp in a client transport, a database
// driver's) finds it, and starts the Go runtime metrics. It drops
// otelhttp's server instruments (http.server.*): the tracing middleware
// wraps otelhttp, whose request duration, without the error code, would
// be a second series of every request beside [Provider.Middleware]'s, and
// a sum over routes would count each request twice. It connects to
// nothing and starts no goroutine, except one per push exporter
// (otlp, console), which Shutdown stops.
//
// # Configuration
//
// Setup reads these variables, and no others (the OTLP exporters read
// their own OTEL_EXPORTER_OTLP_[METRICS_]HEADERS, _TIMEOUT, _COMPRESSION,
// _CERTIFICATE and _TEMPORALITY_PREFERENCE; the SDK reads
// OTEL_METRICS_EXEMPLAR_FILTER, default trace_based):
//
//	variable                              meaning, default                                   option
//	OTEL_SDK_DISABLED                     true: metrics off                                  -
//	OTEL_SERVICE_NAME                     service.name; default the executable's name        WithServiceName
//	OTEL_RESOURCE_ATTRIBUTES              key=value,... resource attributes                  -
//	OTEL_METRICS_EXPORTER                 otlp, prometheus, console, none, or a list         WithPrometheus
//	OTEL_EXPORTER_OTLP_ENDPOINT           base URL; /v1/metrics added for http/protobuf      -
//	OTEL_EXPORTER_OTLP_METRICS_ENDPOINT   full URL, used as given                            -
//	OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL http/protobuf (default) or grpc                    -
//	OTEL_METRIC_EXPORT_INTERVAL           push interval in milliseconds, default 60000       WithExportInterval
//
// A variable wins over the option for the same setting. A value that is
// not valid (an unknown exporter or protocol, an interval that is not a
// positive number of milliseconds, an OTEL_SDK_DISABLED that is neither
// true nor false) is logged once as a warning naming the variable and the
// value, and the default applies, as the specification says:
//
//	{"level":"warn","msg":"metrics: an OTEL_* value is not valid and is ignored",
//	 "variable":"OTEL_METRICS_EXPORTER","value":"otpl",
//	 "using":"the other exporters named (want otlp, prometheus, console or none)"}
//
// # Which exporters
//
// Nothing configured means no exporter and no noise: no push exporter
// (the specification's default, otlp to localhost, would log a refused
// connection at every interval where no collector runs), and the
// Prometheus reader behind [Provider.Handler], which connects to nothing
// and costs nothing until scraped. In detail:
//
//   - OTEL_METRICS_EXPORTER unset: the Prometheus reader, and otlp when an
//     OTLP endpoint variable is set.
//   - OTEL_METRICS_EXPORTER set: exactly the exporters it names; the
//     Prometheus reader only when it names prometheus or the code asks
//     with [WithPrometheus].
//   - OTEL_METRICS_EXPORTER=none, or OTEL_SDK_DISABLED=true: metrics are
//     off. [Provider.Middleware] returns the handler unchanged, the hooks
//     read nothing, [Provider.Handler] answers with a comment saying why,
//     and the global meter provider is a no-op one. (Readers the program
//     gives with [WithReader], a test's, still see =none's metrics.)
//
// # Prometheus
//
// Mount [Provider.Handler] on the application's mux or on an internal
// listener. It answers in the OpenMetrics format when asked, which is the
// one that carries exemplars. A scrape configuration (Prometheus 2.x, run
// with --enable-feature=exemplar-storage to keep exemplars):
//
//	scrape_configs:
//	  - job_name: checkout
//	    scrape_interval: 15s
//	    metrics_path: /metrics
//	    static_configs:
//	      - targets: ["checkout.internal:8080"]
//
// Queries a dashboard starts from:
//
//	sum by (http_route) (rate(http_server_request_duration_seconds_count[5m]))
//	sum by (http_route, error_type) (rate(http_server_request_duration_seconds_count{error_type!=""}[5m]))
//	histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket[5m])))
//	supportkit_health_check_status{supportkit_health_status="fail"} == 1
//
// # Instruments
//
// Names follow the OpenTelemetry conventions; Prometheus names replace dots
// with underscores and add the unit (_seconds, _bytes) and, for counters,
// _total. Every attribute value comes from the program or a fixed list,
// never from a request.
//
//	name                                  kind                 unit     attributes
//	http.server.request.duration          histogram            s        http.route, http.request.method, http.response.status_code, url.scheme, error.type
//	supportkit.health.check.status        gauge                -        supportkit.health.check, supportkit.health.status
//	supportkit.health.check.duration      gauge                s        supportkit.health.check
//	supportkit.health.check.runs          counter              {run}    supportkit.health.check
//	supportkit.health.check.failures      counter              {run}    supportkit.health.check
//	supportkit.health.check.timeouts      counter              {run}    supportkit.health.check
//	supportkit.health.check.panics        counter              {run}    supportkit.health.check
//	supportkit.health.check.stuck_runs    counter              {run}    supportkit.health.check
//	supportkit.health.probe.status        gauge                -        supportkit.health.probe, supportkit.health.status
//	supportkit.reporting.events.captured  counter              {event}  -
//	supportkit.reporting.events.suppressed counter             {event}  -
//	supportkit.reporting.events.dropped   counter              {event}  -
//	supportkit.reporting.events.sent      counter              {event}  -
//	supportkit.reporting.events.outboxed  counter              {event}  -
//	supportkit.reporting.events.replayed  counter              {event}  -
//	supportkit.reporting.events.evicted   counter              {event}  -
//	supportkit.reporting.outbox.size      up-down counter      By       -
//	go.memory.used, go.memory.limit, go.memory.allocated, go.memory.allocations,
//	go.memory.gc.goal, go.goroutine.count, go.processor.limit, go.config.gogc,
//	go.schedule.duration                  (the OpenTelemetry runtime instrumentation's)
//
// The request count is the duration histogram's count
// (http_server_request_duration_seconds_count), as the HTTP semantic
// conventions have it; there is no second instrument to keep in step. A
// status gauge is 1 for the current status (pass, warn or fail) and 0 for
// the two others, so that both "which checks fail" and "how long was it
// failing" are simple queries. go.schedule.duration reaches the readers
// Setup creates, not those given with [WithReader].
//
// # Requests
//
// [Provider.Middleware] belongs inside the tracing middleware and outside
// the reporting middleware and the mux: inside tracing so that the
// request's context holds its span, whose trace ID, when it is sampled,
// becomes the duration sample's exemplar; outside the mux so that it reads
// the route pattern (r.Pattern) the mux set once the handler returns. A
// request no pattern matched has the route [OtherValue], as has a method
// that is not one of HTTP's nine. The error edge of the application (the
// helper that turns an error into an answer) calls [SetErrorCode] with the
// errorsx code, which becomes error.type; a 5xx without one has its status
// code there, as the semantic conventions say. The health endpoints are
// not measured ([DefaultFilter]).
//
// # Health and reporting
//
// This package imports neither health nor reporting, nor do they import
// it: [Provider.ObserveChecks], [Provider.ObserveProbes] and
// [Provider.ObserveReporting] take functions that return a snapshot of
// their state ([CheckState], [ProbeState], [ReportingStats]); the
// instruments call them at each collection (a scrape or a push), so
// nothing runs between collections. The root package supportkit connects
// them.
package metrics
