package grpcreporting_test

import (
	"context"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/grpcreporting"
)

func Example() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = rep.Shutdown(context.Background()) }()

	// In a service: grpc.NewServer(grpcreporting.ServerOptions(rep)...).
	// Here the interceptor is called as the server would call it.
	intercept := grpcreporting.UnaryServerInterceptor(rep)
	info := &grpc.UnaryServerInfo{FullMethod: "/orders.v1.Orders/Get"}
	for _, handler := range []grpc.UnaryHandler{
		func(context.Context, any) (any, error) { return nil, errorsx.NotFound.New("order 42 not found") },
		func(context.Context, any) (any, error) { panic("nil order") },
	} {
		_, err := intercept(context.Background(), nil, info, handler)
		st := status.Convert(err)
		back := grpcerrors.FromStatus(st) // what a client with grpcerrors sees
		fmt.Printf("%v %q reference=%d chars\n", st.Code(), st.Message(), len(grpcerrors.ReferenceOf(back)))
	}
	fmt.Println("events made:", rep.Stats().Captured)
	// Output:
	// NotFound "order 42 not found" reference=0 chars
	// Internal "Internal Server Error" reference=32 chars
	// events made: 1
}
