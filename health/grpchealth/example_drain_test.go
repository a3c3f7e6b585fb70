package grpchealth_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/grpchealth"
)

// On SIGTERM: Drain the registry (readiness turns NOT_SERVING, watchers
// stay connected through the drain delay and are let go at its end), then
// GracefulStop the gRPC server, which has no watcher left to wait for.
func Example_drain() {
	reg, err := health.Setup(context.Background(), health.WithDrainDelay(10*time.Millisecond),
		health.WithCheck("db", health.CheckFunc(func(context.Context) error { return nil })))
	if err != nil {
		panic(err)
	}
	for s := reg.Snapshot(); s.Status(health.Readiness) != health.StatusPass; s = reg.Snapshot() {
		<-s.Next()
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	gs := grpc.NewServer()
	grpchealth.Register(gs, reg)
	go func() { _ = gs.Serve(ln) }()

	conn, _ := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn.Close()
	watch, _ := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	resp, _ := watch.Recv()
	fmt.Println("watch:", resp.GetStatus())

	reg.MarkDraining() // Drain's first step, shown on its own
	resp, _ = watch.Recv()
	fmt.Println("watch:", resp.GetStatus())

	_ = reg.Drain(context.Background(), nil) // the delay, then Shutdown
	_, err = watch.Recv()
	fmt.Println("watch ended:", status.Code(err))
	gs.GracefulStop()
	fmt.Println("stopped")
	// Output:
	// watch: SERVING
	// watch: NOT_SERVING
	// watch ended: Unavailable
	// stopped
}
