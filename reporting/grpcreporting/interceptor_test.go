package grpcreporting_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
	"github.com/supportkit/supportkit/internal/grpctest"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/grpcreporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

const (
	unaryTx  = "supportkit.test.v1.Test/Unary"
	streamTx = "supportkit.test.v1.Test/Stream"
)

// reference returns the reference_id of a status's ErrorInfo.
func reference(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetMetadata()["reference_id"]
		}
	}
	return ""
}

func serve(t *testing.T, rep *reporting.Reporter, h *grpctest.Handler) *grpc.ClientConn {
	return grpctest.Serve(t, h, grpcreporting.ServerOptions(rep))
}

func failWith(err error) *grpctest.Handler {
	return &grpctest.Handler{
		Unary: func(context.Context, string) (string, error) { return "", err },
		Stream: func(_ context.Context, _ string, send func(string) error) error {
			for i := 0; i < 5; i++ {
				if e := send("m"); e != nil {
					return e
				}
			}
			return err
		},
	}
}

func TestReturnedErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     codes.Code
		msg      string
		reported bool
	}{
		{"not found", errorsx.NotFound.New("order 42 not found"), codes.NotFound, "order 42 not found", false},
		{"invalid argument", errorsx.InvalidArgument.New("bad id"), codes.InvalidArgument, "bad id", false},
		{"failing dependency", errorsx.Unavailable.Wrap(errors.New("dial 10.0.0.7:5432: refused"), "load order"), codes.Unavailable, "Service Unavailable", true},
		{"internal", errorsx.Internal.New("invariant broken"), codes.Internal, "Internal Server Error", true},
		{"data loss", errorsx.DataLoss.New("checksum"), codes.DataLoss, "Internal Server Error", true},
		{"foreign error", errors.New("db password=x"), codes.Unknown, "Internal Server Error", true},
		{"status error, client's fault", status.Error(codes.NotFound, "no such"), codes.NotFound, "no such", false},
		{"status error, server's fault", status.Error(codes.Internal, "broken"), codes.Internal, "broken", true},
		{"a peer's status wrapped, client's fault", errorsx.Wrap(status.Error(codes.NotFound, "no such customer"), "load customer"), codes.NotFound, "no such customer", false},
		{"a peer's status wrapped, server's fault", fmt.Errorf("load customer: %w", status.Error(codes.Unavailable, "down")), codes.Unavailable, "Service Unavailable", true},
	}
	for _, tt := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				rec := reportingtest.New(t)
				cc := serve(t, rec.Reporter(), failWith(tt.err))
				ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer abcdefgh12345678", "x-tenant", "t1")
				var err error
				tx := unaryTx
				if kind == "unary" {
					_, err = grpctest.Unary(ctx, cc, "x")
				} else {
					tx = streamTx
					_, err = grpctest.Stream(ctx, cc, "x")
				}
				st := status.Convert(err)
				if st.Code() != tt.code || st.Message() != tt.msg {
					t.Errorf("status = %v %q, want %v %q", st.Code(), st.Message(), tt.code, tt.msg)
				}
				evs := rec.Events()
				if !tt.reported {
					if len(evs) != 0 {
						t.Errorf("got %d events, want none for a client's fault", len(evs))
					}
					return
				}
				if len(evs) != 1 {
					t.Fatalf("got %d events, want 1 (per call, not per message)", len(evs))
				}
				ev := evs[0]
				if !isStatus(tt.err) { // a status error goes out as it is
					if ref := reference(err); ref != string(ev.EventID) {
						t.Errorf("reference %q, event ID %q: want equal", ref, ev.EventID)
					}
				}
				type view struct {
					Transaction, Method, URL, Auth, Tenant, GRPCCode, GRPCMethod string
					HasPeer                                                      bool
				}
				got := view{Transaction: ev.Transaction, GRPCCode: ev.Tags["grpc.code"]}
				if _, ok := ev.Contexts["grpc"]["peer"]; ok {
					t.Errorf("the peer's address was sent without WithPeerAddress: %v", ev.Contexts["grpc"])
				}
				if ev.Request != nil {
					got.Method, got.URL, got.Auth, got.Tenant = ev.Request.Method, ev.Request.URL, ev.Request.Headers["Authorization"], ev.Request.Headers["X-Tenant"]
				}
				if gc := ev.Contexts["grpc"]; gc != nil {
					got.GRPCMethod, _ = gc["method"].(string)
					_, got.HasPeer = gc["peer"]
				}
				want := view{tx, "POST", "http://bufnet/" + tx, errorsx.Redacted, "t1", tt.code.String(), "/" + tx, false}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("event mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func isStatus(err error) bool {
	_, ok := err.(interface{ GRPCStatus() *status.Status })
	return ok
}

//go:noinline
func explode() { panic("order book corrupted") }

func TestPanics(t *testing.T) {
	h := &grpctest.Handler{
		Unary: func(context.Context, string) (string, error) { explode(); return "", nil },
		Stream: func(_ context.Context, _ string, send func(string) error) error {
			if err := send("before"); err != nil {
				return err
			}
			explode()
			return nil
		},
	}
	for _, kind := range []string{"unary", "stream"} {
		t.Run(kind, func(t *testing.T) {
			rec := reportingtest.New(t)
			cc := serve(t, rec.Reporter(), h)
			var err error
			var got []string
			tx := unaryTx
			if kind == "unary" {
				_, err = grpctest.Unary(context.Background(), cc, "x")
			} else {
				tx = streamTx
				got, err = grpctest.Stream(context.Background(), cc, "x")
				if diff := cmp.Diff([]string{"before"}, got); diff != "" {
					t.Errorf("messages before the panic mismatch (-want +got):\n%s", diff)
				}
			}
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			ev := evs[0]
			frames := ev.Exception[0].Stacktrace.Frames
			type view struct {
				Code                           codes.Code
				Msg, Ref, Tx, Type, Value, Top string
				Level                          sentry.Level
			}
			g := view{status.Code(err), status.Convert(err).Message(), reference(err), ev.Transaction, ev.Exception[0].Type, ev.Exception[0].Value, frames[len(frames)-1].Function, ev.Level}
			w := view{codes.Internal, "Internal Server Error", string(ev.EventID), tx, "panic", "order book corrupted", "explode", sentry.LevelFatal}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("panic mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHubPerCall runs calls concurrently, each setting a tag and failing:
// each event carries its own call's tag and user only.
func TestHubPerCall(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithStormLimit(1000, 1000))
	h := &grpctest.Handler{
		Unary: func(ctx context.Context, in string) (string, error) {
			reporting.SetTag(ctx, "call", in)
			reporting.SetUser(ctx, sentry.User{ID: "user-" + in})
			return "", errorsx.Internal.New("failed", "call", in)
		},
	}
	cc := serve(t, rec.Reporter(), h)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, _ = grpctest.Unary(context.Background(), cc, fmt.Sprint(i)) })
	}
	wg.Wait()
	evs := rec.Events()
	if len(evs) != n {
		t.Fatalf("got %d events, want %d", len(evs), n)
	}
	for _, ev := range evs {
		call := fmt.Sprint(ev.Contexts["fields"]["call"])
		if ev.Tags["call"] != call || ev.User.ID != "user-"+call {
			t.Errorf("event of call %s carries tag %q, user %q", call, ev.Tags["call"], ev.User.ID)
		}
	}
}

func TestNilReporter(t *testing.T) {
	h := &grpctest.Handler{Unary: func(context.Context, string) (string, error) { explode(); return "", nil }}
	cc := serve(t, nil, h)
	_, err := grpctest.Unary(context.Background(), cc, "x")
	if status.Code(err) != codes.Internal {
		t.Errorf("status %v, want Internal from a recovered panic", err)
	}
}

func TestWithDomain(t *testing.T) {
	rec := reportingtest.New(t)
	cc := grpctest.Serve(t, failWith(errorsx.NotFound.New("x")), grpcreporting.ServerOptions(rec.Reporter(), grpcreporting.WithDomain("orders.example.com")))
	_, err := grpctest.Unary(context.Background(), cc, "x")
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == "orders.example.com" {
			return
		}
	}
	t.Errorf("no ErrorInfo with domain orders.example.com in %v", status.Convert(err).Details())
}

// TestClientDeadlineNotReported: a handler that gives up because the
// client's deadline passed is not a server failure; one whose own
// deadline (a dependency's) passes is.
func TestClientDeadlineNotReported(t *testing.T) {
	rec := reportingtest.New(t)
	h := &grpctest.Handler{Unary: func(ctx context.Context, in string) (string, error) {
		if in == "client" {
			<-ctx.Done()
			return "", errorsx.Wrap(ctx.Err(), "wait")
		}
		dctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		<-dctx.Done()
		return "", errorsx.Wrap(dctx.Err(), "call inventory")
	}}
	// served tells when the reporting interceptor has returned, so that
	// whatever it reports has been captured.
	served := make(chan struct{}, 2)
	outer := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		defer func() { served <- struct{}{} }()
		return h(ctx, req)
	}
	cc := grpctest.Serve(t, h, []grpc.ServerOption{grpc.ChainUnaryInterceptor(outer, grpcreporting.UnaryServerInterceptor(rec.Reporter()))})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _ = grpctest.Unary(ctx, cc, "client")
	_, err := grpctest.Unary(context.Background(), cc, "server")
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("status %v, want DeadlineExceeded", err)
	}
	<-served
	<-served
	evs := rec.Events()
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Exception[len(ev.Exception)-1].Value)
	}
	if diff := cmp.Diff([]string{"call inventory: context deadline exceeded"}, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestWithPeerAddress(t *testing.T) {
	rec := reportingtest.New(t)
	cc := grpctest.Serve(t, failWith(errorsx.Internal.New("x")), grpcreporting.ServerOptions(rec.Reporter(), grpcreporting.WithPeerAddress()))
	_, _ = grpctest.Unary(context.Background(), cc, "x")
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	if p, _ := evs[0].Contexts["grpc"]["peer"].(string); p == "" {
		t.Errorf("context grpc %v has no peer address", evs[0].Contexts["grpc"])
	}
}

// TestOrderWithErrorsInterceptor: whichever side of grpcreporting's
// interceptor grpcerrors's is put, the client's reference is the event ID.
func TestOrderWithErrorsInterceptor(t *testing.T) {
	for _, inside := range []bool{false, true} {
		t.Run(fmt.Sprintf("grpcerrors inside: %v", inside), func(t *testing.T) {
			rec := reportingtest.New(t)
			chain := []grpc.UnaryServerInterceptor{grpcerrors.UnaryServerInterceptor(grpcerrors.WithReference(func(context.Context, error) string { return "trace-ref" })), grpcreporting.UnaryServerInterceptor(rec.Reporter())}
			if inside {
				chain[0], chain[1] = chain[1], chain[0]
			}
			cc := grpctest.Serve(t, failWith(errorsx.Internal.New("broken")), []grpc.ServerOption{grpc.ChainUnaryInterceptor(chain...)})
			_, err := grpctest.Unary(context.Background(), cc, "x")
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			if ref := reference(err); ref != string(evs[0].EventID) {
				t.Errorf("reference %q, want the event ID %q", ref, evs[0].EventID)
			}
		})
	}
}
