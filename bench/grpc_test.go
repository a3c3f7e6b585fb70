package bench

import (
	"context"
	"net"
	"testing"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/supportkit/supportkit/reporting/grpcreporting"
	"github.com/supportkit/supportkit/tracing"
	"github.com/supportkit/supportkit/tracing/grpctracing"
)

// echoDesc is a one-method service described by hand (no protoc):
// bench.Echo/Say answers a StringValue with itself.
var echoDesc = &grpc.ServiceDesc{
	ServiceName: "bench.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Say",
		Handler: func(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			echo := func(_ context.Context, req any) (any, error) { return req, nil }
			if icpt == nil {
				return echo(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/bench.Echo/Say"}, echo)
		},
	}},
}

// sentryUnary is the recover-and-report interceptor sentry-go's
// documentation shows for gRPC servers (sentry-go v0.50.0 ships no gRPC
// integration module): a hub cloned per call with the method in its
// scope, a panic recovered and reported, a returned error of a
// server-side code reported.
func sentryUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	hub := sentry.GetHubFromContext(ctx)
	if hub == nil {
		hub = sentry.CurrentHub().Clone()
		ctx = sentry.SetHubOnContext(ctx, hub)
	}
	hub.Scope().SetContext("grpc", sentry.Context{"method": info.FullMethod})
	defer func() {
		if r := recover(); r != nil {
			hub.RecoverWithContext(ctx, r)
			err = status.Error(codes.Internal, "internal error")
		}
	}()
	resp, err = handler(ctx, req)
	if err != nil {
		switch status.Code(err) {
		case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unavailable:
			hub.CaptureException(err)
		}
	}
	return resp, err
}

// BenchmarkGRPCUnary makes one unary call over bufconn (the client
// plain, the server instrumented):
//
//   - bare: no instrumentation;
//   - otelgrpc+sentry: otelgrpc's server stats handler with the SDK behind
//     a synchronous processor and a no-op exporter, and sentryUnary;
//   - supportkit: grpctracing.ServerOptions with the same SDK (set up by
//     tracing.Setup) and grpcreporting.ServerOptions.
//
// Target: supportkit ≤ 1.0× otelgrpc+sentry. A call over bufconn is
// mostly goroutine hand-offs, whose latency on a small shared machine
// swings by far more than the instrumentation costs; compare medians of
// -count 8 or more, and see BenchmarkGRPCServerInstrumentation for the
// instrumentation's own cost.
func BenchmarkGRPCUnary(b *testing.B) {
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_PROPAGATORS"} {
		b.Setenv(k, "")
	}
	hub := sentryHub(b)
	sentry.CurrentHub().BindClient(hub.Client())
	tp, err := tracing.Setup(context.Background(),
		tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discardExporter{})))
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	rep := supportkitReporter(b)

	cases := []struct {
		name string
		opts []grpc.ServerOption
	}{
		{"bare", nil},
		{"supportkit", append(grpctracing.ServerOptions(tp), grpcreporting.ServerOptions(rep)...)},
		{"otelgrpc+sentry", []grpc.ServerOption{
			grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp.TracerProvider()), otelgrpc.WithPropagators(tp.Propagator()))),
			grpc.ChainUnaryInterceptor(sentryUnary),
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			lis := bufconn.Listen(1 << 20)
			srv := grpc.NewServer(c.opts...)
			srv.RegisterService(echoDesc, nil)
			go func() { _ = srv.Serve(lis) }()
			defer srv.Stop()
			cc, err := grpc.NewClient("passthrough:///bench",
				grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
				grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				b.Fatal(err)
			}
			defer cc.Close()
			in := wrapperspb.String("hello")
			ctx := context.Background()
			if err := cc.Invoke(ctx, "/bench.Echo/Say", in, new(wrapperspb.StringValue)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			out := new(wrapperspb.StringValue)
			for b.Loop() {
				if err := cc.Invoke(ctx, "/bench.Echo/Say", in, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// serveCall runs what a gRPC server runs for one unary call around its
// handler: the stats handler's TagRPC and HandleRPC events, then the
// interceptor chain, then the End event.
func serveCall(ctx context.Context, sh stats.Handler, icpt grpc.UnaryServerInterceptor, info *grpc.UnaryServerInfo, tag *stats.RPCTagInfo, req any, h grpc.UnaryHandler) error {
	if sh != nil {
		ctx = sh.TagRPC(ctx, tag)
		sh.HandleRPC(ctx, &stats.Begin{})
		sh.HandleRPC(ctx, &stats.InHeader{FullMethod: info.FullMethod})
		sh.HandleRPC(ctx, &stats.InPayload{})
	}
	var err error
	if icpt != nil {
		_, err = icpt(ctx, req, info, h)
	} else {
		_, err = h(ctx, req)
	}
	if sh != nil {
		sh.HandleRPC(ctx, &stats.OutHeader{})
		sh.HandleRPC(ctx, &stats.OutPayload{})
		sh.HandleRPC(ctx, &stats.OutTrailer{})
		sh.HandleRPC(ctx, &stats.End{Error: err})
	}
	return err
}

// BenchmarkGRPCServerInstrumentation is BenchmarkGRPCUnary without the
// transport: the server's stats handler events and interceptors around a
// handler that echoes, called as grpc-go calls them, so that ns/op is the
// instrumentation's own CPU cost. Same cases and target.
func BenchmarkGRPCServerInstrumentation(b *testing.B) {
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_PROPAGATORS"} {
		b.Setenv(k, "")
	}
	hub := sentryHub(b)
	sentry.CurrentHub().BindClient(hub.Client())
	tp, err := tracing.Setup(context.Background(),
		tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discardExporter{})))
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	rep := supportkitReporter(b)

	info := &grpc.UnaryServerInfo{FullMethod: "/bench.Echo/Say"}
	tag := &stats.RPCTagInfo{FullMethodName: "/bench.Echo/Say"}
	echo := func(_ context.Context, req any) (any, error) { return req, nil }
	cases := []struct {
		name string
		sh   stats.Handler
		icpt grpc.UnaryServerInterceptor
	}{
		{"bare", nil, nil},
		{"otelgrpc+sentry", otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp.TracerProvider()), otelgrpc.WithPropagators(tp.Propagator())), sentryUnary},
		{"supportkit", grpctracing.ServerHandler(tp), grpcreporting.UnaryServerInterceptor(rep)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := wrapperspb.String("hello")
			ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("user-agent", "grpc-go/1.84.0", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
			b.ReportAllocs()
			for b.Loop() {
				if err := serveCall(ctx, c.sh, c.icpt, info, tag, req, echo); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
