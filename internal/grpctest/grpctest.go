// Package grpctest is a small gRPC service for the tests of the gRPC
// subpackages, described by hand (no protoc) with protobuf's well-known
// wrapper types, and a server and client over bufconn.
package grpctest

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Service is the name of the test service.
const Service = "supportkit.test.v1.Test"

// Full method names of the test service.
const (
	UnaryMethod  = "/" + Service + "/Unary"
	StreamMethod = "/" + Service + "/Stream"
)

// Handler is what the test service does: Unary answers one string with
// one; Stream answers one string with the strings it sends.
type Handler struct {
	Unary  func(ctx context.Context, in string) (string, error)
	Stream func(ctx context.Context, in string, send func(string) error) error
}

// Desc returns the service description of h.
func (h *Handler) Desc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: Service,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Unary",
			Handler: func(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				call := func(ctx context.Context, req any) (any, error) {
					out, err := h.Unary(ctx, req.(*wrapperspb.StringValue).GetValue())
					if err != nil {
						return nil, err
					}
					return wrapperspb.String(out), nil
				}
				if icpt == nil {
					return call(ctx, in)
				}
				return icpt(ctx, in, &grpc.UnaryServerInfo{Server: h, FullMethod: UnaryMethod}, call)
			},
		}},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Stream",
			ServerStreams: true,
			Handler: func(_ any, stream grpc.ServerStream) error {
				in := new(wrapperspb.StringValue)
				if err := stream.RecvMsg(in); err != nil {
					return err
				}
				return h.Stream(stream.Context(), in.GetValue(), func(s string) error { return stream.SendMsg(wrapperspb.String(s)) })
			},
		}},
	}
}

// Unary calls the Unary method on cc.
func Unary(ctx context.Context, cc grpc.ClientConnInterface, in string, opts ...grpc.CallOption) (string, error) {
	out := new(wrapperspb.StringValue)
	err := cc.Invoke(ctx, UnaryMethod, wrapperspb.String(in), out, opts...)
	return out.GetValue(), err
}

var streamDesc = &grpc.StreamDesc{StreamName: "Stream", ServerStreams: true}

// Stream calls the Stream method on cc and returns what it received, and
// the error that ended the stream (nil for a clean end).
func Stream(ctx context.Context, cc grpc.ClientConnInterface, in string, opts ...grpc.CallOption) ([]string, error) {
	cs, err := cc.NewStream(ctx, streamDesc, StreamMethod, opts...)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String(in)); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		m := new(wrapperspb.StringValue)
		if err := cs.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		got = append(got, m.GetValue())
	}
}

// Serve starts a gRPC server with opts serving h over bufconn and returns
// a client connection to it with dial; both stop when the test ends.
func Serve(t testing.TB, h *Handler, opts []grpc.ServerOption, dial ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	return ServeWith(t, func(s *grpc.Server) { s.RegisterService(h.Desc(), h) }, opts, dial...)
}

// ServeWith is [Serve] with the services register registers.
func ServeWith(t testing.TB, register func(*grpc.Server), opts []grpc.ServerOption, dial ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(opts...)
	register(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	dial = append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, dial...)
	cc, err := grpc.NewClient("passthrough:///bufnet", dial...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cc.Close()
		srv.Stop()
		<-done
	})
	return cc
}
