package grpchealth_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/health" // grpc-go's client-side health checking
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/grpchealth"
)

// grpc-go's client-side health checking (healthCheckConfig) watches the
// server's health and re-opens Watch at once after any stream that sent a
// message. During a drain it must see NOT_SERVING on one open stream, not
// re-open Watch thousands of times a second; and the server's
// GracefulStop must not wait for the watchers.
func TestDrainWithClientHealthChecking(t *testing.T) {
	const delay = 500 * time.Millisecond
	r, err := health.Setup(context.Background(), health.WithDrainDelay(delay),
		health.WithCheck("db", health.CheckFunc(func(context.Context) error { return nil }), health.Every(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	for s := r.Snapshot(); s.Status(health.Readiness) != health.StatusPass; s = r.Snapshot() {
		<-s.Next()
	}

	var watches atomic.Int64
	count := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if info.FullMethod == healthpb.Health_Watch_FullMethodName {
			watches.Add(1)
		}
		return handler(srv, ss)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.StreamInterceptor(count))
	grpchealth.Register(gs, r)
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)

	const serviceConfig = `{"loadBalancingConfig": [{"round_robin": {}}], "healthCheckConfig": {"serviceName": ""}}`
	conn, err := grpc.NewClient(ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(serviceConfig))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn.Connect()
	waitState := func(want connectivity.State) {
		t.Helper()
		for s := conn.GetState(); s != want; s = conn.GetState() {
			if !conn.WaitForStateChange(ctx, s) {
				t.Fatalf("client state %v, want %v", s, want)
			}
		}
	}
	waitState(connectivity.Ready) // health checking says SERVING

	before := watches.Load()
	drained := make(chan error, 1)
	go func() { drained <- r.Drain(context.Background(), nil) }()
	waitState(connectivity.TransientFailure) // the client saw NOT_SERVING
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
	during := watches.Load() - before
	// One stream open before the drain, kept open: a handful at most.
	if during > 3 {
		t.Errorf("%d Watch calls during a %v drain delay, want at most 3 (a re-open storm)", during, delay)
	}
	t.Logf("%d Watch calls during the drain delay", during)

	stopped := make(chan struct{})
	began := time.Now()
	go func() { gs.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
		t.Logf("GracefulStop returned after %v", time.Since(began))
	case <-time.After(5 * time.Second):
		t.Errorf("GracefulStop still waiting after 5s: watchers hold it")
		gs.Stop()
		<-stopped
	}
}
