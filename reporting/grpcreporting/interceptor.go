package grpcreporting

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
	"github.com/supportkit/supportkit/reporting"
)

// Option configures the interceptors.
type Option func(*config)

type config struct {
	rep     *reporting.Reporter
	errOpts []grpcerrors.Option
	peer    bool
}

// WithPeerAddress adds the peer's address ("10.1.2.3:51234") to the
// context "grpc" of the events (default: left out). Package reporting
// never sends an HTTP client's address, because where clients are people
// it is personal data; a service whose callers are other services (pods,
// sidecars) can say that its peers' addresses are not.
func WithPeerAddress() Option { return func(c *config) { c.peer = true } }

// WithDomain sets the domain of the google.rpc.ErrorInfo of the statuses
// the interceptors answer with (default, also for "":
// [grpcerrors.DefaultDomain]).
func WithDomain(domain string) Option {
	return func(c *config) { c.errOpts = []grpcerrors.Option{grpcerrors.WithDomain(domain)} }
}

func newConfig(rep *reporting.Reporter, opts []Option) *config {
	c := &config{rep: rep}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// ServerOptions returns the server options that install
// [UnaryServerInterceptor] and [StreamServerInterceptor] with rep.
func ServerOptions(rep *reporting.Reporter, opts ...Option) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(rep, opts...)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(rep, opts...)),
	}
}

// UnaryServerInterceptor returns the interceptor of unary calls that the
// package documentation describes.
func UnaryServerInterceptor(rep *reporting.Reporter, opts ...Option) grpc.UnaryServerInterceptor {
	c := newConfig(rep, opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		ctx = c.bind(ctx, info.FullMethod)
		defer func() {
			if v := recover(); v != nil {
				resp, err = nil, c.panicked(ctx, info.FullMethod, v)
			}
		}()
		resp, err = handler(ctx, req)
		if err != nil {
			err = c.failed(ctx, info.FullMethod, err)
		}
		return resp, err
	}
}

// StreamServerInterceptor returns the interceptor of streaming calls that
// the package documentation describes: one per stream, whatever the
// number of messages.
func StreamServerInterceptor(rep *reporting.Reporter, opts ...Option) grpc.StreamServerInterceptor {
	c := newConfig(rep, opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		ctx := c.bind(ss.Context(), info.FullMethod)
		defer func() {
			if v := recover(); v != nil {
				err = c.panicked(ctx, info.FullMethod, v)
			}
		}()
		if err = handler(srv, &serverStream{ServerStream: ss, ctx: ctx}); err != nil {
			err = c.failed(ctx, info.FullMethod, err)
		}
		return err
	}
}

// serverStream hands the handler the call's bound context.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }

func (c *config) bind(ctx context.Context, method string) context.Context {
	if c.rep == nil {
		return ctx
	}
	return c.rep.BindCall(ctx, strings.TrimPrefix(method, "/"), callRequest)
}

// callRequest describes a call as the HTTP/2 request it is: POST to the
// full method, the metadata as headers (gRPC's own pseudo-headers left
// out). Keys are canonicalised, so that a scrubbing rule written for
// "Authorization" matches gRPC's "authorization".
func callRequest(ctx context.Context) *http.Request {
	method, _ := grpc.Method(ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: method}, Proto: "HTTP/2.0", ProtoMajor: 2, Header: make(http.Header, len(md))}
	for k, vs := range md {
		if k == ":authority" {
			if len(vs) > 0 {
				req.Host = vs[0]
			}
			continue
		}
		if strings.HasPrefix(k, ":") || strings.HasSuffix(k, "-bin") {
			continue // binary metadata is no text for a report
		}
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	return req
}

// failed reports err when its code is the server's fault and returns the
// error the client gets.
func (c *config) failed(ctx context.Context, method string, err error) error {
	code := grpcerrors.CodeOf(err)
	var id string
	if c.rep != nil && code.HTTPStatus() >= 500 && !clientGaveUp(ctx, code) {
		c.describe(ctx, method, grpcerrors.GRPCCode(code).String())
		id = c.rep.Capture(ctx, err)
		markEvent(ctx, id)
	}
	return c.answer(ctx, err, id)
}

// clientGaveUp reports whether a deadline_exceeded error is the call's own
// deadline passing (the client's, which gRPC carries to the server) rather
// than a deadline of the server's: the client has its answer already.
func clientGaveUp(ctx context.Context, code errorsx.Code) bool {
	return code == errorsx.DeadlineExceeded && ctx.Err() != nil
}

// panicked reports v (this runs in the interceptor's deferred function,
// where the panic site's stack is still there) and returns the
// codes.Internal answer.
func (c *config) panicked(ctx context.Context, method string, v any) error {
	var id string
	if c.rep != nil {
		c.describe(ctx, method, "Internal")
		id = c.rep.RecoverPanic(ctx, v)
	}
	err, _ := v.(error)
	if err == nil {
		err = errorsx.New("panic")
	}
	return c.answer(ctx, errorsx.Internal.Wrap(err, "panic"), id)
}

func (c *config) answer(ctx context.Context, err error, ref string) error {
	if ref == "" {
		ref = grpcerrors.TraceReference(ctx, err)
	} else {
		// grpcerrors's interceptors put inside these (against the
		// documented order) made the status with the trace ID: it is made
		// again with the event ID.
		err = grpcerrors.Unwrap(err)
	}
	return grpcerrors.Error(err, ref, c.errOpts...)
}

// describe puts what the call is on its hub: the context "grpc" and the
// tag "grpc.code". The hub is made here, only for a call that reports.
func (c *config) describe(ctx context.Context, method, code string) {
	hub := sentry.GetHubFromContext(ctx)
	if hub == nil {
		return
	}
	gc := sentry.Context{"method": method, "code": code}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil && c.peer {
		gc["peer"] = p.Addr.String()
	}
	hub.Scope().SetContext("grpc", gc)
	hub.Scope().SetTag("grpc.code", code)
}

// markEvent names the event on the call's span, through the otel trace
// API only.
func markEvent(ctx context.Context, id string) {
	if id == "" {
		return
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.String(reporting.EventIDAttribute, id))
	}
}
