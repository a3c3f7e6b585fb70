// Package grpcerrors carries errorsx errors across gRPC: a handler's error
// becomes a gRPC status a client can read, and a status a client receives
// becomes an errorsx error again, with the same code.
//
// It is a package of its own so that programs without gRPC never import
// it: package errorsx itself imports nothing of gRPC.
//
// # The server side
//
// [Status] turns an error into a status, as [errorsx.ProblemOf] turns one
// into an HTTP problem:
//
//   - the code is [errorsx.CodeOf]'s, as its gRPC code ([GRPCCode]); for an
//     error without an errorsx code that wraps a gRPC status (a peer's
//     answer passed on), that status's code ([CodeOf]);
//   - the message is the public one ([errorsx.Public]); without one, for a
//     code that maps to a 5xx status it is the status text ("Internal
//     Server Error"), never the internal message, and for others the
//     message of the layer that set the code;
//   - the details are a google.rpc.ErrorInfo whose reason is the errorsx
//     code's name ("not_found", as in a problem's "code" and a Sentry
//     event's tag), whose domain is [DefaultDomain] (or [WithDomain]'s) and
//     whose metadata holds the reference ID as "reference_id"; and a
//     google.rpc.RequestInfo whose request_id is the reference ID.
//
// A status error returned as it is (status.Error(codes.NotFound, ...))
// is the handler's own answer and goes out unchanged.
//
// [Error] is [Status] as the error a handler returns: gRPC sends the
// status, and errors.Is and errors.As still reach the handler's error, so
// that a stats handler further out (package tracing/grpctracing's records
// it on the call's span) sees the errorsx error, its stack and fields.
//
// [UnaryServerInterceptor] and [StreamServerInterceptor] convert what a
// handler returns, with the trace ID of the call's span as the reference.
// Package reporting/grpcreporting's interceptors convert errors too, with
// the Sentry event ID as the reference when an event was made, in either
// order with these; a server with them needs none of this package's.
//
// # The client side
//
// [FromStatus] and [FromError] turn a status back into an errorsx error
// with the same code (the reason of its ErrorInfo when it names a
// canonical code, the gRPC code otherwise), the status message as its
// message, and the fields "grpc_code" and "reference_id" ([ReferenceOf]
// reads it, for a client that shows the user a reference to quote). The
// status stays inside: status.Code and status.FromError still work on it.
// [UnaryClientInterceptor] and [StreamClientInterceptor] convert the errors
// of every call, so that errors.Is(err, errorsx.NotFound) works on a
// client's errors.
//
// # Options
//
// The interceptors take options; the zero value of each is its documented
// default, and nothing here starts goroutines or needs shutting down.
package grpcerrors
