package supportkit

import (
	"context"
	"net"

	"google.golang.org/grpc"

	"github.com/supportkit/supportkit/errorsx/grpcerrors"
	"github.com/supportkit/supportkit/health/grpchealth"
	"github.com/supportkit/supportkit/reporting/grpcreporting"
	"github.com/supportkit/supportkit/tracing/grpctracing"
)

// GRPCServerOptions are the options of a gRPC server on the incident
// path, the gRPC side of [Service.Handler]: a span per call named by the
// full method (health checks untraced), a hub per call, panics recovered
// and reported, answered codes.Internal with the event ID as the
// reference (google.rpc.ErrorInfo), returned errors reported by the HTTP
// rule (server-side codes) and turned into statuses with their code and
// public message. Give them to grpc.NewServer before the application's own.
func (s *Service) GRPCServerOptions() []grpc.ServerOption {
	return append(grpctracing.ServerOptions(s.tracing), grpcreporting.ServerOptions(s.rep)...)
}

// GRPCDialOptions are the options of a gRPC client on the incident path:
// outgoing calls carry the trace, and a status that comes back is an
// errorsx error with its code (grpcerrors.FromError).
func (s *Service) GRPCDialOptions() []grpc.DialOption {
	return append(grpctracing.DialOptions(s.tracing), grpcerrors.DialOptions()...)
}

// GRPC is a gRPC server for [Service.Run]: it registers grpc.health.v1 on
// srv, answered from the health registry (do not register it yourself),
// serves ln, and at shutdown stops srv with GracefulStop once readiness
// has failed and the drain delay has passed (the health Watch streams end
// first, so that they do not hold it).
func (s *Service) GRPC(ln net.Listener, srv *grpc.Server) Server {
	grpchealth.Register(srv, s.health)
	return Server{
		name: "grpc", addr: ln.Addr(),
		serve: func() error { return srv.Serve(ln) },
		stop:  func(ctx context.Context) error { return grpchealth.GracefulStop(ctx, srv) },
		close: func() error { srv.Stop(); return nil },
	}
}

// ServeGRPC serves srv on ln as [Service.Serve] serves HTTP:
// Run(ctx, s.GRPC(ln, srv)).
func (s *Service) ServeGRPC(ctx context.Context, ln net.Listener, srv *grpc.Server) error {
	return s.Run(ctx, s.GRPC(ln, srv))
}
