package grpchealth_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/grpchealth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// setup starts a registry with checks db (switchable) and proc
// (liveness), serves it over gRPC on 127.0.0.1 and returns a client.
func setup(t *testing.T) (*health.Registry, *atomic.Bool, healthpb.HealthClient) {
	t.Helper()
	var dbDown atomic.Bool
	db := health.CheckFunc(func(context.Context) error {
		if dbDown.Load() {
			return errors.New("down")
		}
		return nil
	})
	r, err := health.Setup(context.Background(),
		health.WithCheck("db", db, health.Every(2*time.Millisecond)),
		health.WithCheck("proc", health.CheckFunc(func(context.Context) error { return nil }), health.For(health.Liveness)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	for s := r.Snapshot(); s.Status(health.Readiness) != health.StatusPass; s = r.Snapshot() {
		<-s.Next()
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	grpchealth.Register(gs, r)
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return r, &dbDown, healthpb.NewHealthClient(conn)
}

func TestCheck(t *testing.T) {
	r, dbDown, client := setup(t)
	ctx := context.Background()
	check := func(service string) string {
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			return status.Code(err).String()
		}
		return resp.GetStatus().String()
	}
	services := []string{"", "readiness", "liveness", "startup", "db", "proc", "nope"}
	var got []string
	for _, s := range services {
		got = append(got, check(s))
	}
	want := []string{"SERVING", "SERVING", "SERVING", "SERVING", "SERVING", "SERVING", "NotFound"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check %v mismatch (-want +got):\n%s", services, diff)
	}

	list, err := client.List(ctx, &healthpb.HealthListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for k, v := range list.GetStatuses() {
		listed[k] = v.GetStatus().String()
	}
	wantList := map[string]string{"": "SERVING", "readiness": "SERVING", "liveness": "SERVING", "startup": "SERVING", "db": "SERVING", "proc": "SERVING"}
	if diff := cmp.Diff(wantList, listed); diff != "" {
		t.Errorf("List mismatch (-want +got):\n%s", diff)
	}

	dbDown.Store(true)
	timeout := time.After(10 * time.Second)
	for s := r.Snapshot(); s.Status(health.Readiness) != health.StatusFail; s = r.Snapshot() {
		select {
		case <-s.Next():
		case <-timeout:
			t.Fatal("readiness still passing 10s after db failed")
		}
	}
	if diff := cmp.Diff([]string{"NOT_SERVING", "NOT_SERVING", "SERVING"}, []string{check(""), check("db"), check("liveness")}); diff != "" {
		t.Errorf("after failure mismatch (-want +got):\n%s", diff)
	}
}

// While the registry drains, Watch streams say NOT_SERVING for readiness
// and stay open (a check's stream keeps reporting the check); they end,
// with UNAVAILABLE, when the registry stops, and a Watch opened after that
// ends at once without a message, so that a client backs off.
func TestWatchDuringDrain(t *testing.T) {
	r, dbDown, client := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	watch := func(service string) func() string {
		stream, err := client.Watch(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Fatal(err)
		}
		return func() string {
			resp, err := stream.Recv()
			if err != nil {
				return status.Code(err).String()
			}
			return resp.GetStatus().String()
		}
	}
	ready, db := watch(""), watch("db")
	var got []string
	got = append(got, ready(), db())
	dbDown.Store(true)
	got = append(got, ready(), db())
	dbDown.Store(false)
	got = append(got, ready(), db())
	r.MarkDraining()
	got = append(got, ready())
	dbDown.Store(true) // the db stream is still open and reports it
	got = append(got, db())
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got = append(got, ready(), db())
	late := watch("")
	got = append(got, late())
	want := []string{
		"SERVING", "SERVING",
		"NOT_SERVING", "NOT_SERVING",
		"SERVING", "SERVING",
		"NOT_SERVING",                                          // draining
		"NOT_SERVING",                                          // db failed while draining
		codes.Unavailable.String(), codes.Unavailable.String(), // Shutdown
		codes.Unavailable.String(), // opened after Shutdown
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Watch mismatch (-want +got):\n%s", diff)
	}
}

// Watching an unknown service answers SERVICE_UNKNOWN and keeps the stream
// open, as the protocol asks.
func TestWatchUnknown(t *testing.T) {
	_, _, client := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := client.Watch(ctx, &healthpb.HealthCheckRequest{Service: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetStatus(); got != healthpb.HealthCheckResponse_SERVICE_UNKNOWN {
		t.Errorf("status %v, want SERVICE_UNKNOWN", got)
	}
	cancel()
	if _, err := stream.Recv(); status.Code(err) != codes.Canceled {
		t.Errorf("after cancel: %v, want Canceled (the stream stayed open until then)", err)
	}
}
