package grpcerrors

import (
	"context"
	"errors"
	"io"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Option configures the interceptors.
type Option func(*config)

type config struct {
	domain    string
	reference func(context.Context, error) string
}

// WithDomain sets the domain of the ErrorInfo details (default, also for
// "": [DefaultDomain]), usually the service's name, as Google's APIs use
// "pubsub.googleapis.com".
func WithDomain(domain string) Option { return func(c *config) { c.domain = domain } }

// WithReference sets how the server interceptors find the reference ID of
// a failed call (default, also for nil: the trace ID of the span in the
// call's context, or "" when it has none).
func WithReference(fn func(ctx context.Context, err error) string) Option {
	return func(c *config) { c.reference = fn }
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.domain == "" {
		c.domain = DefaultDomain
	}
	if c.reference == nil {
		c.reference = TraceReference
	}
	return c
}

// TraceReference returns the trace ID of the span in ctx, or "" when it
// has none: the reference of a failure that made no report.
func TraceReference(ctx context.Context, _ error) string {
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return sc.TraceID().String()
	}
	return ""
}

// convert returns the status error of err, or nil.
func (c *config) convert(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return errorOf(err, c.reference(ctx, err), c.domain)
}

// UnaryServerInterceptor returns a server interceptor that turns the error
// a unary handler returns into a status ([Error]).
func UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	c := newConfig(opts)
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return resp, c.convert(ctx, err)
		}
		return resp, nil
	}
}

// StreamServerInterceptor returns a server interceptor that turns the
// error a streaming handler returns into a status ([Error]).
func StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	c := newConfig(opts)
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := handler(srv, ss); err != nil {
			return c.convert(ss.Context(), err)
		}
		return nil
	}
}

// UnaryClientInterceptor returns a client interceptor that turns the
// status of a failed call into an errorsx error ([FromError]).
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return FromError(invoker(ctx, method, req, reply, cc, opts...))
	}
}

// StreamClientInterceptor returns a client interceptor that turns the
// status that ends a stream (from NewStream, RecvMsg, SendMsg, Header or
// CloseSend) into an errorsx error ([FromError]); io.EOF, the clean end,
// stays as it is.
func StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, FromError(err)
		}
		return &clientStream{ClientStream: cs}, nil
	}
}

type clientStream struct{ grpc.ClientStream }

func convertStreamErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return FromError(err)
}

func (s *clientStream) RecvMsg(m any) error { return convertStreamErr(s.ClientStream.RecvMsg(m)) }
func (s *clientStream) SendMsg(m any) error { return convertStreamErr(s.ClientStream.SendMsg(m)) }
func (s *clientStream) CloseSend() error    { return convertStreamErr(s.ClientStream.CloseSend()) }

func (s *clientStream) Header() (metadata.MD, error) {
	md, err := s.ClientStream.Header()
	return md, convertStreamErr(err)
}

// ServerOptions returns the server options that install
// [UnaryServerInterceptor] and [StreamServerInterceptor] with opts. A
// server with package reporting/grpcreporting's interceptors needs them
// only for errors of calls those do not see.
func ServerOptions(opts ...Option) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(opts...)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(opts...)),
	}
}

// DialOptions returns the dial options that install
// [UnaryClientInterceptor] and [StreamClientInterceptor].
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(StreamClientInterceptor()),
	}
}
