// Package supportkit wires the module's packages together in one call, the
// way we recommend, so that one failure leaves one incident record: a
// problem+json answer with a reference ID, one log line with the trace,
// span and event IDs, one Sentry event, and the span marked as failed.
//
//	func main() {
//		if err := run(); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//	}
//
//	func run() error {
//		ctx := context.Background()
//		sk, err := supportkit.Setup(ctx, supportkit.WithServiceName("orders"))
//		if err != nil {
//			return err
//		}
//		mux := http.NewServeMux()
//		mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
//			o, err := find(r.Context(), r.PathValue("id"))
//			if err != nil {
//				sk.Fail(w, r, err) // report, span, log line, problem+json
//				return
//			}
//			json.NewEncoder(w).Encode(o)
//		})
//		return sk.ListenAndServe(ctx, ":8080", mux) // until SIGTERM, then drain and flush
//	}
//
// # What Setup wires
//
// [Setup] sets up, from the standard environment and the options:
//
//   - reporting ([reporting.Setup]): SENTRY_DSN, SENTRY_ENVIRONMENT,
//     SENTRY_RELEASE; without a DSN, reports go to the local outbox. The
//     logger's error lines become events, its info and warn lines
//     breadcrumbs.
//   - tracing ([tracing.Setup]): the OTEL_* variables; nothing is exported
//     when they say nothing, but each request still has a trace ID.
//   - health ([health.Setup]): the checks given with [WithHealth], the
//     probe endpoints /livez, /readyz, /startupz and /healthz, and the
//     drain. A check's change of status is logged at warn and becomes a
//     breadcrumb of the events that follow, never an event of its own
//     unless [WithHealthEvents] asks.
//   - metrics ([metrics.Setup]): the OTEL_METRICS_EXPORTER variable and
//     its kin; request metrics by route, health and reporting figures,
//     Go runtime metrics; [Service.Metrics] has the Prometheus handler.
//   - the crash monitor ([crash.Setup]) when [WithCrashMonitor] asks.
//
// # The request path
//
// [Service.Handler] wraps the application's handler: the tracing
// middleware outside (the span, the trace ID in the context), the
// reporting middleware inside it (a hub per request, panics recovered and
// reported with the trace), and the probe endpoints served in front of
// both, so that mounting them changes nothing the application's own
// handler answers. Spans are named by the route the http.ServeMux matched,
// panicking requests included.
//
// At a handler's edge, [Service.Fail] turns an error into the whole
// incident record; [Service.Log] gives the request's zap logger.
//
// # zap or log/slog
//
// The service logs with zap ([WithLogger]; by default JSON lines on
// standard error) or with log/slog ([WithSlogLogger]): either way the
// packages' own lines and Fail's go to it, with the same keys and the same
// structured error. [Service.Logger] and [Service.Log] are the zap side,
// [Service.SlogLogger] the slog side (log with a context: InfoContext,
// ErrorContext), each with trace IDs, breadcrumbs and events wired; an
// application that uses slog alone never imports zap.
//
// # Run and shutdown
//
// [Service.ListenAndServe] and [Service.Serve] serve until their context
// is done or the process gets SIGTERM or SIGINT, then shut down in the
// order that loses nothing: readiness fails at once, the drain delay lets
// load balancers notice, the HTTP server stops taking connections and
// finishes the requests in flight, then the checks stop, spans are
// flushed, and reports are flushed (what cannot be delivered stays in the
// outbox for the next start). [Service.Shutdown] does the same for an
// application that runs its own server.
//
// # Conventions
//
// Every package of the module has the same shape: a start function
// Setup(ctx, opts...) returning a value and an error, and Shutdown(ctx)
// on that value, bounded by ctx and safe to call more than once. Options
// are validated by Setup: a zero value means the documented default, a
// value out of range is an error naming the option; a nil logger means no
// log output. Middleware is func(http.Handler) http.Handler. Each package
// stays usable on its own; this one only composes them.
package supportkit
