package grpchealth

import (
	"context"

	"google.golang.org/grpc"
)

// GracefulStop stops srv gracefully, bounded by ctx: srv takes no new
// calls and those in flight finish (grpc.Server.GracefulStop); when ctx
// ends first, the calls still running are cut (grpc.Server.Stop) and ctx's
// error is returned. It returns once srv has stopped either way.
//
// The drain of a gRPC server is [health.Registry.Drain] with a nil server
// (readiness turns NOT_SERVING at once, the drain delay passes, then the
// checks stop, which ends the Watch streams of this package's Server), then
// GracefulStop: a Watch stream left open would make GracefulStop wait for
// it until ctx ends.
//
//	err := errors.Join(reg.Drain(ctx, httpSrv), grpchealth.GracefulStop(ctx, grpcSrv))
func GracefulStop(ctx context.Context, srv *grpc.Server) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.GracefulStop()
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		srv.Stop()
		<-done
		return ctx.Err()
	}
}
