// Package grpcreporting gives gRPC servers the incident path that
// [reporting.Reporter.Middleware] gives HTTP handlers: a hub per call,
// panics recovered and reported, and returned errors reported by the same
// rule as HTTP's.
//
// # What a call gets
//
// [ServerOptions] (or [UnaryServerInterceptor] and
// [StreamServerInterceptor]) wrap each call, unary or streaming, once (not
// each message):
//
//   - the call's context is bound to the reporter ([reporting.Reporter.BindCall]):
//     a hub of its own, made only when something is reported; its events
//     name the method as their transaction ("orders.v1.Orders/Get", as
//     otelgrpc names the call's span) and carry the call as their request
//     (POST to the full method, the metadata as headers, scrubbed as HTTP
//     headers are: authorization, cookies, tokens), with the context "grpc"
//     (method, status code, and with [WithPeerAddress] the peer's address)
//     and the tag "grpc.code";
//   - a panic in the handler is recovered ([reporting.Reporter.RecoverPanic]:
//     the event is on disk before the answer, the span is marked as failed
//     with the event ID) and answered codes.Internal with the event ID as
//     the reference in its google.rpc.ErrorInfo;
//   - an error the handler returns is reported when its code maps to a 5xx
//     HTTP status (internal, unknown, data_loss, unavailable,
//     deadline_exceeded, unimplemented, an application code with a 5xx
//     status): as [reporting.Capture] does, with its fingerprint rules and
//     storm control; client-caused codes (not_found, invalid_argument, ...)
//     are not, nor is deadline_exceeded when the call's own deadline (the
//     client's) has passed: the client has stopped waiting. The event ID (or, when none was made, the trace ID) becomes
//     the reference of the status the client gets ([grpcerrors.Error]), and
//     the span gets the event ID as [reporting.EventIDAttribute];
//   - a status error the handler returns (status.Error) is reported by its
//     gRPC code's errorsx code, and goes out as it is; a peer's status
//     wrapped without an errorsx code counts by its gRPC code
//     ([grpcerrors.CodeOf]).
//
// # Order
//
// Put the interceptors after the tracing stats handler (a stats handler
// always runs around every interceptor) so that the span exists when they
// report. With package errorsx/grpcerrors's interceptors too (they add
// nothing these do not do), either order gives the client the event ID as
// the reference: a status grpcerrors made inside these, with the trace ID,
// is made again ([grpcerrors.Unwrap]).
//
// # Conventions
//
// Nothing here starts goroutines or needs shutting down: the reporter
// does, and [reporting.Reporter.Shutdown] flushes it. Options follow the
// module's convention: the zero value of each is its documented default.
// A nil reporter reports nothing; its interceptors still recover panics
// (answered codes.Internal, with the trace ID as the reference) and
// convert errors.
package grpcreporting
