// Package tracing sets up OpenTelemetry tracing the way a service that is
// supported in production needs it: from the standard OTEL_* variables,
// with defaults that do not surprise, HTTP middleware that names spans by
// route, errorsx errors recorded on spans without their secrets, and trace
// IDs in every zap log line of a request.
//
// # Set-up
//
// One call, at start, returns the function that flushes and stops tracing
// at shutdown:
//
//	shutdown, err := tracing.Setup(ctx, tracing.WithLogger(log))
//	if err != nil {
//		return err
//	}
//	defer shutdown(context.Background()) // after the HTTP server has stopped
//
// Setup installs the tracer provider and the propagator as OpenTelemetry's
// globals, so that [Middleware], [Transport] and any other instrumentation
// use them. It never exits the process and starts no goroutine that its
// shutdown function does not stop.
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
// [Middleware] wraps a handler (usually the *http.ServeMux) with otelhttp
// and names each span "{method} {route}" from the route pattern, with
// http.route set, skips the health endpoints, and marks the span as failed
// when the handler panics. The route comes from r.Pattern, which the mux
// sets on the request it receives: when a middleware between the two
// passes a copy down (r.WithContext, as most do), give the mux with
// [WithRouter]. [Transport] traces outgoing calls and carries the trace
// context to the service called.
//
// A 4xx answer is the client's error: following the HTTP semantic
// conventions the server span's status stays unset (the status code is in
// http.response.status_code); a 5xx sets it to Error. To put the error
// itself on the span, call [RecordError].
//
// # Errors
//
// [RecordError] records an error on the request's span: status Error, an
// "exception" event whose type is the errorsx code, with the message, the
// stack where the error started and the error's fields. Secret values
// ([errorsx.Secret]) never reach the span.
//
// # Logs
//
// [LogFields] and [Logger] put trace_id, span_id and trace_flags on zap
// log lines, so that a support engineer goes from a log line to its trace
// and back. Neither allocates when the context carries no span.
//
// # Tests
//
// Package tracingtest records spans in memory so that tests can assert
// the spans their code creates.
package tracing
