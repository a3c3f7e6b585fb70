package grpchealth_test

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/grpchealth"
)

func Example() {
	reg := health.New()
	_ = reg.Register("db", health.CheckFunc(func(ctx context.Context) error { return nil }))

	gs := grpc.NewServer()
	srv := grpchealth.Register(gs, reg) // the same registry that serves /readyz

	// Before Start the check has not run: readiness is not serving yet.
	resp, _ := srv.Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(resp.GetStatus())
	// Output: NOT_SERVING
}
