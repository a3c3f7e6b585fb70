//go:build !race

// The race detector allocates on its own, so allocation counts are only
// checked without it. The figures against peers are in bench/.

package grpcreporting_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"

	"github.com/supportkit/supportkit/reporting/grpcreporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestCallThatGoesWellAllocations: a unary call that goes well costs the
// interceptor one allocation (the call's context); its hub is never made.
func TestCallThatGoesWellAllocations(t *testing.T) {
	rec := reportingtest.New(t)
	icpt := grpcreporting.UnaryServerInterceptor(rec.Reporter())
	info := &grpc.UnaryServerInfo{FullMethod: "/orders.v1.Orders/Get"}
	ok := func(_ context.Context, req any) (any, error) { return req, nil }
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { _, _ = icpt(ctx, "x", info, ok) }); n > 1 {
		t.Errorf("a call that goes well allocates %v times, want at most 1", n)
	}
}
