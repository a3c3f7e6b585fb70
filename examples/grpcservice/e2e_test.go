//go:build e2e

package main

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/internal/otlptest"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestE2EIncidentPath runs the example service as a program over TCP on
// 127.0.0.1, exporting spans to a real OTLP receiver and events to a fake
// Sentry, and follows each failure from the client's status to the span
// and the event: span names are the full method and carry the status,
// events name the method as their transaction and carry the span's trace
// ID, the ErrorInfo reference is the event ID; health checks make no span.
func TestE2EIncidentPath(t *testing.T) {
	rcv := otlptest.Start(t)
	otlpAddr := rcv.HTTP
	sentrySrv := reportingtest.NewServer()
	t.Cleanup(sentrySrv.Close)
	p, addr := start(t,
		"SENTRY_DSN="+sentrySrv.DSN("1"),
		"OTEL_TRACES_EXPORTER=otlp", "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+otlpAddr, "OTEL_SDK_DISABLED=", "OTEL_TRACES_SAMPLER=",
		"OTEL_PROPAGATORS=", "OTEL_BSP_SCHEDULE_DELAY=100",
		"SUPPORTKIT_DEPENDENCY=fail", "SUPPORTKIT_DRAIN_DELAY=0s")
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx := context.Background()
	if _, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health check: %v", err)
	}
	refs := map[string]string{}
	for _, c := range []struct {
		method, arg string
		code        grpccodes.Code
	}{
		{"Get", "42", grpccodes.NotFound},
		{"Pay", "1", grpccodes.Unavailable},
		{"Audit", "1", grpccodes.Internal},
	} {
		_, err := call(ctx, cc, c.method, c.arg)
		if status.Code(err) != c.code {
			t.Errorf("%s: %v, want %v", c.method, err, c.code)
		}
		refs[c.method] = reference(status.Convert(err))
	}
	evs, err := sentrySrv.WaitEvents(ctx, "1", 2)
	if err != nil {
		t.Fatal(err)
	}
	// SIGTERM flushes the spans; the process exits 0.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit: %v\nstderr:\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the service did not stop\nstderr:\n%s", p.stderr)
	}

	servers := map[string]otlptest.Span{}
	for _, s := range rcv.ReadSpans(t) {
		if strings.HasPrefix(s.Name, "grpc.health.v1.") {
			t.Errorf("a health check was traced: %+v", s)
		}
		if s.Kind == 2 {
			servers[s.Name] = s
		}
	}
	type view struct {
		Status      int
		Exceptions  int
		RefIsEvent  bool
		Transaction string
		SameTrace   bool
	}
	got := map[string]view{}
	for _, m := range []string{"Get", "Pay", "Audit"} {
		s, ok := servers["orders.v1.Orders/"+m]
		if !ok {
			t.Errorf("no server span orders.v1.Orders/%s; got %v", m, servers)
			continue
		}
		v := view{Status: s.Status, Exceptions: s.Exceptions}
		for _, ev := range evs {
			if string(ev.EventID) == refs[m] {
				v.RefIsEvent = s.Attributes["sentry.event_id"] == refs[m]
				v.Transaction = ev.Transaction
				v.SameTrace = ev.Contexts["trace"]["trace_id"] == s.TraceID
			}
		}
		got[m] = v
	}
	want := map[string]view{
		"Get":   {0, 0, false, "", false},
		"Pay":   {2, 1, true, "orders.v1.Orders/Pay", true},
		"Audit": {2, 1, true, "orders.v1.Orders/Audit", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incident path mismatch (-want +got):\n%s", diff)
	}
	if len(evs) != 2 {
		t.Errorf("got %d events, want 2 (the not-found call is not reported)", len(evs))
	}
}
