// Package grpctracing traces gRPC servers and clients with otelgrpc's
// stats handlers, set up from a [tracing.Provider] (the same OTEL_*
// configuration as the HTTP middleware), and records a call's error on its
// span the way [tracing.RecordSpanError] does for HTTP.
//
// # What a call's span gets
//
//   - It is named by the full method without its leading slash
//     ("orders.v1.Orders/Get"), as otelgrpc names it, with the rpc.*
//     attributes of the semantic conventions; the trace context comes in
//     and goes out with the Provider's propagator.
//   - Calls of the gRPC health service (grpc.health.v1.Health), which load
//     balancers and orchestrators poll several times a second, are not
//     traced ([DefaultFilter]), as the HTTP middleware leaves /readyz and
//     the other probes untraced.
//   - On the server, a call that ends with a server-side code (Unknown,
//     Internal, Unavailable, DataLoss, DeadlineExceeded, Unimplemented) has
//     its error recorded with [tracing.RecordSpanError]: status Error with
//     the (redacted) message, one exception event with the errorsx code,
//     the stack where the error started and its fields. The handler's own
//     errorsx error is found inside the status error when the error went
//     through package errorsx/grpcerrors or reporting/grpcreporting
//     ([grpcerrors.Error] keeps it). A span already marked as failed (a
//     panic that reporting/grpcreporting recovered) is left as it is, so
//     that it has exactly one exception event. otelgrpc would then set the
//     status description to the status message the client got ("Internal
//     Server Error"); the description already there is kept.
//
// # Set-up and conventions
//
//	srv := grpc.NewServer(append(grpctracing.ServerOptions(tp), grpcreporting.ServerOptions(rep)...)...)
//	cc, err := grpc.NewClient(target, append(grpctracing.DialOptions(tp), creds)...)
//
// Nothing here starts goroutines or needs shutting down:
// [tracing.Provider.Shutdown] flushes the spans. Options follow the
// module's convention: the zero value of each (nil) is its documented
// default. For a nil Provider, or one set up disabled, ServerOptions and
// DialOptions add nothing, and the handlers trace and propagate nothing.
//
// Metrics: otelgrpc also records rpc.server.* and rpc.client.*
// instruments with OpenTelemetry's global meter provider (a no-op one
// unless the application installs one); [WithOtelGRPCOptions] can give
// another.
package grpctracing
