package grpctracing_test

import (
	"context"
	"fmt"
	"net"
	"sort"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/test/bufconn"

	"github.com/supportkit/supportkit/tracing"
	"github.com/supportkit/supportkit/tracing/grpctracing"
)

func Example() {
	spans := tracetest.NewInMemoryExporter()
	tp, err := tracing.Setup(context.Background(), tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spans)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = tp.Shutdown(context.Background()) }()

	lis := bufconn.Listen(1 << 16)
	srv := grpc.NewServer(grpctracing.ServerOptions(tp)...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()

	cc, _ := grpc.NewClient("passthrough:///example", append(grpctracing.DialOptions(tp),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	client := healthpb.NewHealthClient(cc)
	_, _ = client.Check(context.Background(), &healthpb.HealthCheckRequest{}) // a probe: not traced
	_, _ = client.List(context.Background(), &healthpb.HealthListRequest{})   // nor this
	_ = cc.Close()
	srv.GracefulStop()

	fmt.Println("spans:", len(spans.GetSpans()))

	// With a filter that traces everything, the span names the full method.
	spans.Reset()
	srv = grpc.NewServer(grpctracing.ServerOptions(tp, grpctracing.WithFilter(func(*stats.RPCTagInfo) bool { return true }))...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis = bufconn.Listen(1 << 16)
	go func() { _ = srv.Serve(lis) }()
	cc, _ = grpc.NewClient("passthrough:///example",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	_, _ = healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{})
	_ = cc.Close()
	srv.GracefulStop()
	var names []string
	for _, s := range spans.GetSpans() {
		names = append(names, s.SpanKind.String()+" "+s.Name)
	}
	sort.Strings(names)
	fmt.Println(names)
	// Output:
	// spans: 0
	// [server grpc.health.v1.Health/Check]
}
