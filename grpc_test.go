package supportkit_test

import (
	"context"
	"testing"

	otelcodes "go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/grpctest"
	"github.com/supportkit/supportkit/metrics"
)

// TestGRPCIncidentPath: a gRPC call through GRPCServerOptions is a span
// named by the full method, a reported internal error with the event ID as
// the reference on the status, and an RPC duration sample by method
// (issues 15 and 16).
func TestGRPCIncidentPath(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	r := newRig(t, supportkit.WithMetrics(metrics.WithReader(reader), metrics.WithRuntimeMetrics(false)))
	cc := grpctest.Serve(t, &grpctest.Handler{Unary: func(ctx context.Context, in string) (string, error) {
		if in == "fail" {
			return "", errorsx.Unavailable.New("inventory refused the connection")
		}
		return in, nil
	}}, r.sk.GRPCServerOptions())
	if _, err := grpctest.Unary(context.Background(), cc, "ok"); err != nil {
		t.Fatal(err)
	}
	_, err := grpctest.Unary(context.Background(), cc, "fail")
	if grpcstatus.Code(err) != codes.Unavailable {
		t.Fatalf("failing call: %v, want Unavailable", err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	r.flush(t)

	var failed []string
	for _, sp := range r.spans.GetSpans() {
		if sp.Name == grpctest.Service+"/Unary" && sp.Status.Code == otelcodes.Error {
			failed = append(failed, sp.SpanContext.TraceID().String())
		}
	}
	events := r.events.Events()
	if len(events) != 1 || len(failed) != 1 {
		t.Fatalf("want 1 event and 1 failed span named by the method, got %d and %d", len(events), len(failed))
	}
	if got := events[0].Contexts["trace"]["trace_id"]; got != failed[0] {
		t.Errorf("event trace_id %v, the failed call's span %v", got, failed[0])
	}
	if got := events[0].Transaction; got != grpctest.Service+"/Unary" && got != grpctest.UnaryMethod {
		t.Errorf("event transaction %q, want the method", got)
	}
	calls := uint64(0)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "rpc.server.call.duration" && m.Name != "rpc.server.duration" {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					calls += dp.Count
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					calls += dp.Count
				}
			}
		}
	}
	if calls != 2 {
		var names []string
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				names = append(names, m.Name)
			}
		}
		t.Errorf("RPC duration samples: %d, want 2; metrics: %v", calls, names)
	}
}
