// Package tracing sets up OpenTelemetry tracing the way a service that is
// supported in production needs it: from the standard OTEL_* variables,
// with defaults that do not surprise, HTTP middleware that names spans by
// route, errorsx errors recorded on spans without their secrets, and trace
// IDs in every zap log line of a request.
//
// # Set-up
//
// One call, at start, returns the [Provider] that holds tracing; its
// Shutdown flushes and stops it at shutdown:
//
//	tp, err := tracing.Setup(ctx, tracing.WithLogger(log))
//	if err != nil {
//		return err
//	}
//	defer tp.Shutdown(context.Background()) // after the HTTP server has stopped
//	handler := tp.Middleware()(mux)
//
// Setup also installs the tracer provider and the propagator as
// OpenTelemetry's globals, so that the package-level [Middleware] and
// [Transport] and any other instrumentation use them; the Provider's own
// [Provider.Middleware] and [Provider.Transport] use the provider whatever
// the globals say. It never exits the process and starts no goroutine that
// Shutdown does not stop.
//
// # Conventions
//
// Package tracing follows the module's conventions, as packages health and
// reporting do:
//
//   - a start function, Setup(ctx, opts...), returns a value (*Provider)
//     and an error; nothing starts before it;
//   - (*Provider).Shutdown(ctx) is bounded by ctx and idempotent; a nil
//     *Provider's methods are safe (Shutdown returns nil, Middleware
//     returns the handler unchanged);
//   - options are validated by Setup: an option given its argument's zero
//     value ("", nil) leaves the documented default, a value that is not
//     valid is an errorsx InvalidArgument error naming the option and the
//     value;
//   - a nil logger ([WithLogger]) means no log output;
//   - HTTP middleware has the shape func(http.Handler) http.Handler.
//
// # Configuration
//
// Every setting has an [Option] for code and a standard variable for
// operators; the variable wins, so that a deployment can change what a
// build decided. Setup reads these variables, and no others (the OTLP
// exporters and the batch processor it creates read their own
// OTEL_EXPORTER_OTLP_* and OTEL_BSP_* settings, such as _TIMEOUT,
// _COMPRESSION, _CERTIFICATE and OTEL_BSP_SCHEDULE_DELAY):
//
//	variable                             meaning, default                                 option
//	OTEL_SDK_DISABLED                    true: no tracing; Middleware adds nothing        WithDisabled
//	OTEL_SERVICE_NAME                    service.name; default the executable's name      WithServiceName
//	OTEL_RESOURCE_ATTRIBUTES             key=value,... resource attributes                WithResourceAttributes, WithServiceVersion
//	OTEL_TRACES_EXPORTER                 otlp, console, none, or a list; see below        WithExporter
//	OTEL_EXPORTER_OTLP_ENDPOINT          base URL; /v1/traces added for http/protobuf     WithEndpoint
//	OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   full URL, used as given
//	OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL http/protobuf (default) or grpc                  WithProtocol
//	OTEL_EXPORTER_OTLP_[TRACES_]HEADERS  key=value,...; never logged                      WithHeaders
//	OTEL_TRACES_SAMPLER, _SAMPLER_ARG    default parentbased_always_on                    WithSampler
//	OTEL_PROPAGATORS                     default tracecontext,baggage                     WithPropagators
//
// service.version defaults to the main module's version from the build
// information (or its VCS revision); host.name and the SDK's telemetry.*
// attributes are added.
//
// # No exporter unless told where to send spans
//
// The specification's default exporter is otlp to localhost, which, where
// no collector runs, logs a refused connection on every export. Setup
// creates an exporter only when OTEL_TRACES_EXPORTER (or [WithExporter])
// names one, or an endpoint is configured (then otlp is implied). Without
// either, it still installs the SDK's tracer provider, with no exporter:
// spans get real, sampled trace and span IDs, so that the IDs reach the
// logs, the problem+json reference and the services called downstream
// (whose own spans are exported if they are configured to), at the cost of
// building spans that nobody exports. Set OTEL_SDK_DISABLED=true for no
// cost at all.
//
// With a logger ([WithLogger]), Setup logs the effective configuration
// once, and OpenTelemetry's internal errors (a failed export) become warn
// lines:
//
//	{"level":"info","msg":"tracing configured","disabled":false,"service.name":"checkout",
//	 "exporters":["otlp grpc http://collector:4317"],"exporters_from":"env",
//	 "sampler":"ParentBased{root:AlwaysOnSampler,...}","sampler_from":"default",
//	 "propagators":["tracecontext","baggage"]}
//
// # HTTP
//
// [Provider.Middleware] (or [Middleware], with the globals) wraps a handler
// (usually the *http.ServeMux) with otelhttp and names each span
// "{method} {route}" from the route pattern, with http.route set, also
// when the handler panics; skips the health endpoints; and marks the span
// as failed when the handler panics, with one exception event. The route
// comes from r.Pattern, which the mux sets on the request it receives, read
// once the handler has returned from the request the middleware passed
// down: a middleware in between that passes a copy down (r.WithContext)
// copies r.Pattern back after its next returns, as package reporting's
// does; for another router, or another such middleware, give the router
// with [WithRouter]. [Transport] traces outgoing calls and carries the
// trace context to the service called.
//
// A 4xx answer is the client's error: following the HTTP semantic
// conventions the server span's status stays unset (the status code is in
// http.response.status_code); a 5xx sets it to Error, keeping the
// description a handler gave with [RecordError] (or a recovering middleware
// gave). To put the error itself on the span, call [RecordError].
//
// # Errors
//
// [RecordError] records an error on the request's span: status Error with
// the error's message as its description, one "exception" event whose type
// is the errorsx code (or the Go type of a foreign error), with the
// message, the stack where the error started, the error's fields and the
// caller's attributes (the Sentry event ID of the same failure, say).
// Secret values ([errorsx.Secret]) never reach the span.
//
// # Logs
//
// [LogFields] and [Logger] put trace_id, span_id and trace_flags on zap
// log lines, and [SlogHandler] on log/slog records, so that a support
// engineer goes from a log line to its trace and back. None allocates when
// the context carries no span.
//
// # Tests
//
// Package tracingtest records spans in memory so that tests can assert
// the spans their code creates.
package tracing
