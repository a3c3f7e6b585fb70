package supportkit_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/reporting"
)

// serveBoth is the README's gRPC block: one service answering HTTP and
// gRPC, drained and flushed together.
func serveBoth(ctx context.Context, sk *supportkit.Service, httpLn, grpcLn net.Listener, mux *http.ServeMux) error {
	srv := grpc.NewServer(sk.GRPCServerOptions()...) // a span and a hub per call, panics recovered, 5xx reported
	// Register the application's services on srv here; sk.GRPC adds grpc.health.v1.
	return sk.Run(ctx, sk.HTTP(httpLn, mux), sk.GRPC(grpcLn, srv)) // SIGTERM: NOT_SERVING, drain, GracefulStop, flush
}

// dial is the README's client line.
func dial(sk *supportkit.Service, target string) (*grpc.ClientConn, error) {
	creds := grpc.WithTransportCredentials(insecure.NewCredentials())
	return grpc.NewClient(target, append(sk.GRPCDialOptions(), creds)...) // statuses come back as errorsx errors
}

// Example_grpc serves HTTP and gRPC from one Service and asks its gRPC
// health service, then shuts both down.
func Example_grpc() {
	outbox, _ := os.MkdirTemp("", "example-grpc-")
	defer os.RemoveAll(outbox)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sk, err := supportkit.Setup(ctx, supportkit.WithLogger(nil),
		supportkit.WithReporting(reporting.WithDSN(""), reporting.WithOutbox(outbox, 0)),
		supportkit.WithHealth(health.WithoutDrainDelay()))
	if err != nil {
		fmt.Println(err)
		return
	}
	httpLn, _ := net.Listen("tcp", "127.0.0.1:0")
	grpcLn, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- serveBoth(ctx, sk, httpLn, grpcLn, http.NewServeMux()) }()

	conn, err := dial(sk, grpcLn.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "readiness"}, grpc.WaitForReady(true))
	fmt.Println("grpc.health.v1 readiness:", res.GetStatus(), err)
	conn.Close()
	stop()
	fmt.Println("stopped:", <-done)
	// Output:
	// grpc.health.v1 readiness: SERVING <nil>
	// stopped: <nil>
}
