package grpchealth_test

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/grpchealth"
)

func Example() {
	gate := make(chan struct{})
	reg, err := health.Setup(context.Background(),
		health.WithCheck("db", health.CheckFunc(func(ctx context.Context) error {
			<-gate // e.g. db.PingContext(ctx), still connecting
			return nil
		})))
	if err != nil {
		panic(err)
	}
	defer reg.Shutdown(context.Background())

	gs := grpc.NewServer()
	srv := grpchealth.Register(gs, reg) // the same registry that serves /readyz

	check := func(service string) string {
		resp, err := srv.Check(context.Background(), &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			return status.Code(err).String()
		}
		return resp.GetStatus().String()
	}
	// Until the check's first run ends, readiness is not serving; liveness is.
	fmt.Println("readiness:", check(""), "liveness:", check("liveness"))
	close(gate)
	for s := reg.Snapshot(); s.Status(health.Readiness) != health.StatusPass; s = reg.Snapshot() {
		<-s.Next()
	}
	fmt.Println("readiness:", check(""), "db:", check("db"), "cache:", check("cache"))
	// Output:
	// readiness: NOT_SERVING liveness: SERVING
	// readiness: SERVING db: SERVING cache: NotFound
}
