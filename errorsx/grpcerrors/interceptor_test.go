package grpcerrors_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
	"github.com/supportkit/supportkit/internal/grpctest"
)

var traceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}

// withSpan puts a span context in the call's context, as a tracing stats
// handler would.
func withSpan(ctx context.Context) context.Context {
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: trace.SpanID{1}}))
}

func failing(err error) *grpctest.Handler {
	return &grpctest.Handler{
		Unary: func(context.Context, string) (string, error) { return "", err },
		Stream: func(_ context.Context, _ string, send func(string) error) error {
			if e := send("first"); e != nil {
				return e
			}
			return err
		},
	}
}

func TestInterceptorsRoundTrip(t *testing.T) {
	spanUnary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(withSpan(ctx), req)
	}
	spanStream := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		return h(srv, &ctxStream{ss, withSpan(ss.Context())})
	}
	tests := []struct {
		name     string
		err      error
		code     errorsx.Code
		msg      string
		grpcCode codes.Code
	}{
		{"not found", errorsx.NotFound.New("order 42 not found"), errorsx.NotFound, "order 42 not found", codes.NotFound},
		{"dependency", errorsx.Unavailable.Wrap(errors.New("dial tcp 10.0.0.7:5432: refused"), "load order"), errorsx.Unavailable, "Service Unavailable", codes.Unavailable},
		{"foreign", errors.New("db password=x"), errorsx.Unknown, "Internal Server Error", codes.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := grpctest.Serve(t, failing(tt.err), []grpc.ServerOption{
				grpc.ChainUnaryInterceptor(spanUnary, grpcerrors.UnaryServerInterceptor()),
				grpc.ChainStreamInterceptor(spanStream, grpcerrors.StreamServerInterceptor()),
			}, grpc.WithChainUnaryInterceptor(grpcerrors.UnaryClientInterceptor()),
				grpc.WithChainStreamInterceptor(grpcerrors.StreamClientInterceptor()))
			ctx := context.Background()
			type view struct {
				Code, Msg, Ref string
				Got            []string
			}
			want := view{tt.code.String(), tt.msg, traceID.String(), nil}

			_, err := grpctest.Unary(ctx, cc, "x")
			got := view{errorsx.CodeOf(err).String(), err.Error(), grpcerrors.ReferenceOf(err), nil}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("unary call mismatch (-want +got):\n%s", diff)
			}
			msgs, err := grpctest.Stream(ctx, cc, "x")
			got = view{errorsx.CodeOf(err).String(), err.Error(), grpcerrors.ReferenceOf(err), msgs}
			want.Got = []string{"first"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stream mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInterceptorOptions(t *testing.T) {
	cc := grpctest.Serve(t, failing(errorsx.NotFound.New("gone")), []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(grpcerrors.UnaryServerInterceptor(
			grpcerrors.WithDomain("orders.example.com"),
			grpcerrors.WithReference(func(context.Context, error) string { return "ref-1" }))),
	})
	_, err := grpctest.Unary(context.Background(), cc, "x")
	st := status.Convert(err)
	var got []string
	for _, d := range st.Details() {
		if info, ok := d.(interface {
			GetDomain() string
			GetReason() string
			GetMetadata() map[string]string
		}); ok {
			got = append(got, info.GetDomain(), info.GetReason(), info.GetMetadata()["reference_id"])
		}
	}
	if diff := cmp.Diff([]string{"orders.example.com", "not_found", "ref-1"}, got); diff != "" {
		t.Errorf("ErrorInfo mismatch (-want +got):\n%s", diff)
	}
}

func TestInterceptorsPassSuccessAndEOF(t *testing.T) {
	h := &grpctest.Handler{
		Unary: func(_ context.Context, in string) (string, error) { return "hello " + in, nil },
		Stream: func(_ context.Context, in string, send func(string) error) error {
			for i := 0; i < 3; i++ {
				if err := send(in); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cc := grpctest.Serve(t, h, grpcerrors.ServerOptions(), grpcerrors.DialOptions()...)
	out, err := grpctest.Unary(context.Background(), cc, "you")
	if err != nil || out != "hello you" {
		t.Errorf("Unary = %q, %v; want \"hello you\", nil", out, err)
	}
	msgs, err := grpctest.Stream(context.Background(), cc, "m")
	if diff := cmp.Diff([]string{"m", "m", "m"}, msgs); diff != "" || err != nil {
		t.Errorf("Stream error %v, messages mismatch (-want +got):\n%s", err, diff)
	}
}

type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }
