package grpchealth

import (
	"context"
	"sort"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/health"
)

// Server implements grpc.health.v1.Health from a registry's snapshots. It
// never waits for a check.
type Server struct {
	healthpb.UnimplementedHealthServer
	reg *health.Registry
}

var _ healthpb.HealthServer = (*Server)(nil)

// New returns a Server fed from reg. It starts nothing and takes no
// options: the Server reads reg's snapshots and ends its Watch streams when
// reg shuts down. A nil reg panics here, at start-up, as http.Handle does
// with a nil handler, rather than in the first health RPC.
func New(reg *health.Registry) *Server {
	if reg == nil {
		panic("grpchealth: nil *health.Registry")
	}
	return &Server{reg: reg}
}

// Register registers a Server for reg on s; a nil reg panics, as in [New].
func Register(s grpc.ServiceRegistrar, reg *health.Registry) *Server {
	srv := New(reg)
	healthpb.RegisterHealthServer(s, srv)
	return srv
}

var probes = map[string]health.Set{
	"":          health.Readiness,
	"liveness":  health.Liveness,
	"readiness": health.Readiness,
	"startup":   health.Startup,
}

// servingStatus returns the status of service in s, or SERVICE_UNKNOWN.
func servingStatus(s *health.Snapshot, service string) healthpb.HealthCheckResponse_ServingStatus {
	var st health.Status
	if set, ok := probes[service]; ok {
		st = s.Status(set)
	} else if res, ok := s.Result(service); ok {
		st = res.Status
		if res.Pending {
			st = health.StatusFail
		}
	} else {
		return healthpb.HealthCheckResponse_SERVICE_UNKNOWN
	}
	if st == health.StatusFail {
		return healthpb.HealthCheckResponse_NOT_SERVING
	}
	return healthpb.HealthCheckResponse_SERVING
}

// Check answers with the status of req's service, or NOT_FOUND.
func (s *Server) Check(_ context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	st := servingStatus(s.reg.Snapshot(), req.GetService())
	if st == healthpb.HealthCheckResponse_SERVICE_UNKNOWN {
		return nil, status.Errorf(codes.NotFound, "unknown service %q", req.GetService())
	}
	return &healthpb.HealthCheckResponse{Status: st}, nil
}

// List answers with the status of the probes and of every check.
func (s *Server) List(context.Context, *healthpb.HealthListRequest) (*healthpb.HealthListResponse, error) {
	snap := s.reg.Snapshot()
	out := &healthpb.HealthListResponse{Statuses: map[string]*healthpb.HealthCheckResponse{}}
	names := make([]string, 0, len(probes))
	for name := range probes {
		names = append(names, name)
	}
	for _, res := range snap.Results() {
		names = append(names, res.Name)
	}
	sort.Strings(names)
	for _, name := range names {
		out.Statuses[name] = &healthpb.HealthCheckResponse{Status: servingStatus(snap, name)}
	}
	return out, nil
}

// Watch sends the status of req's service now and after each change.
// While the registry drains, readiness is NOT_SERVING and the stream stays
// open: grpc-go's client-side health checking re-opens Watch at once after
// a stream that sent a message, so ending streams during the drain delay
// would make every client re-open Watch thousands of times a second. When
// the registry stops ([health.Registry.Shutdown], which [health.Registry.Drain]
// calls at its end) the stream ends with UNAVAILABLE, so that the gRPC
// server's GracefulStop, called after, does not wait for watchers; a Watch
// opened after that ends at once without a message, which makes a client
// back off.
func (s *Server) Watch(req *healthpb.HealthCheckRequest, stream grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	service := req.GetService()
	last := healthpb.HealthCheckResponse_ServingStatus(-1)
	for {
		snap := s.reg.Snapshot()
		if snap.Stopped() {
			return status.Error(codes.Unavailable, "health: stopped, the server is shutting down")
		}
		if st := servingStatus(snap, service); st != last {
			if err := stream.Send(&healthpb.HealthCheckResponse{Status: st}); err != nil {
				return err
			}
			last = st
		}
		select {
		case <-stream.Context().Done():
			return status.FromContextError(stream.Context().Err()).Err()
		case <-snap.Next():
		}
	}
}
