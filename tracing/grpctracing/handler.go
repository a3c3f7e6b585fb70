package grpctracing

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/tracing"
)

// Option configures the stats handlers.
type Option func(*config)

type config struct {
	filter func(*stats.RPCTagInfo) bool
	otel   []otelgrpc.Option
}

// WithFilter replaces [DefaultFilter]: a call is traced only when filter
// returns true. A nil filter keeps the default; to trace every call,
// return true.
func WithFilter(filter func(*stats.RPCTagInfo) bool) Option {
	return func(c *config) { c.filter = filter }
}

// WithOtelGRPCOptions passes further options to otelgrpc (a meter
// provider, message events, span attributes, ...). The tracer provider and
// propagator come from the Provider; giving them here replaces them.
func WithOtelGRPCOptions(opts ...otelgrpc.Option) Option {
	return func(c *config) { c.otel = append(c.otel, opts...) }
}

// HealthService is the gRPC health service's name.
const HealthService = "grpc.health.v1.Health"

// DefaultFilter reports whether a call should be traced: every call
// except those of the gRPC health service (grpc.health.v1.Health: Check,
// Watch, List).
func DefaultFilter(info *stats.RPCTagInfo) bool {
	m := strings.TrimPrefix(info.FullMethodName, "/")
	return !strings.HasPrefix(m, HealthService+"/")
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.filter == nil {
		c.filter = DefaultFilter
	}
	return c
}

func (c *config) otelOptions(p *tracing.Provider) []otelgrpc.Option {
	return append([]otelgrpc.Option{
		otelgrpc.WithTracerProvider(p.TracerProvider()),
		otelgrpc.WithPropagators(p.Propagator()),
		otelgrpc.WithFilter(c.filter),
	}, c.otel...)
}

// ServerHandler returns the stats handler that traces a server's calls,
// as the package documentation describes.
func ServerHandler(p *tracing.Provider, opts ...Option) stats.Handler {
	c := newConfig(opts)
	return &serverHandler{Handler: otelgrpc.NewServerHandler(c.otelOptions(p)...)}
}

// ClientHandler returns the stats handler that traces a client's calls
// and sends the trace context along with them.
func ClientHandler(p *tracing.Provider, opts ...Option) stats.Handler {
	c := newConfig(opts)
	return otelgrpc.NewClientHandler(c.otelOptions(p)...)
}

// ServerOptions returns the server option that installs [ServerHandler];
// none when p is nil or tracing is disabled (OTEL_SDK_DISABLED=true), so
// that nothing is added to a call's path, as [tracing.Provider.Middleware]
// returns the handler unchanged then.
func ServerOptions(p *tracing.Provider, opts ...Option) []grpc.ServerOption {
	if disabled(p) {
		return nil
	}
	return []grpc.ServerOption{grpc.StatsHandler(ServerHandler(p, opts...))}
}

// DialOptions returns the dial option that installs [ClientHandler]; none
// when p is nil or tracing is disabled.
func DialOptions(p *tracing.Provider, opts ...Option) []grpc.DialOption {
	if disabled(p) {
		return nil
	}
	return []grpc.DialOption{grpc.WithStatsHandler(ClientHandler(p, opts...))}
}

func disabled(p *tracing.Provider) bool {
	_, off := p.TracerProvider().(noop.TracerProvider)
	return off
}

// serverHandler records a failed call's error on its span before otelgrpc
// ends the span.
type serverHandler struct{ stats.Handler }

func (h *serverHandler) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	if end, ok := rs.(*stats.End); ok && end.Error != nil {
		rs = recordEnd(ctx, end)
	}
	h.Handler.HandleRPC(ctx, rs)
}

// recordEnd records a server-side failure on the call's span and returns
// the End to hand otelgrpc. otelgrpc sets the span's status description
// to the status message the client got ("Internal Server Error"), which
// the SDK lets replace the error's own message that RecordSpanError, or a
// recovered panic, gave: the End it gets carries that description as its
// status message instead (the code and details stay). A call that goes
// well pays nothing for this.
func recordEnd(ctx context.Context, end *stats.End) stats.RPCStats {
	span := trace.SpanFromContext(ctx)
	st := status.Convert(end.Error)
	if !span.IsRecording() || !serverFault(st.Code()) {
		return end
	}
	r, ok := span.(statusReader)
	if !ok {
		tracing.RecordSpanError(span, handlerError(end.Error))
		return end
	}
	if r.Status().Code != codes.Error { // else a recovered panic, marked already
		tracing.RecordSpanError(span, handlerError(end.Error))
	}
	desc := r.Status().Description
	if desc == "" || desc == st.Message() {
		return end
	}
	p := st.Proto()
	p.Message = desc
	out := *end
	out.Error = status.ErrorProto(p)
	return &out
}

// handlerError returns the handler's own error inside a status error that
// package errorsx/grpcerrors made (it has a status and unwraps to the
// handler's error), or err.
func handlerError(err error) error {
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		if inner := errors.Unwrap(err); inner != nil {
			return inner
		}
	}
	return err
}

// serverFault reports whether a code is the server's fault, as otelgrpc
// and the errorsx codes' HTTP statuses (5xx) both say.
func serverFault(c grpccodes.Code) bool {
	switch c {
	case grpccodes.Unknown, grpccodes.DeadlineExceeded, grpccodes.Unimplemented,
		grpccodes.Internal, grpccodes.Unavailable, grpccodes.DataLoss:
		return true
	}
	return false
}

// statusReader is what the SDK's spans (sdktrace.ReadOnlySpan) offer.
type statusReader interface{ Status() sdktrace.Status }
