package supportkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/metrics"
)

// TestMetricsWired: through Service.Handler, each request is counted by
// route, method, status and, for a failure, its errorsx code (a panic
// reporting recovered: internal, as the metrics middleware says of one it
// sees go by); probes are
// not; health and reporting figures are read at collection (issue 16,
// point 8).
func TestMetricsWired(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	r := newRig(t, supportkit.WithMetrics(metrics.WithReader(reader), metrics.WithRuntimeMetrics(false)),
		supportkit.WithHealth(health.WithCheck("inventory", &flappy{}, health.Every(time.Hour))))
	h := r.sk.Handler(app(r.sk))
	get(t, h, "GET", "/orders/1")
	get(t, h, "GET", "/orders/42")
	get(t, h, "GET", "/fail")
	get(t, h, "GET", "/panic") // recovered by reporting, inside the metrics middleware
	get(t, h, "GET", "/readyz")
	waitStatus(t, r.sk.Health(), "inventory", health.StatusPass)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	requests := map[string]uint64{}
	names := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
			if m.Name != "http.server.request.duration" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				route, _ := dp.Attributes.Value("http.route")
				status, _ := dp.Attributes.Value("http.response.status_code")
				code, _ := dp.Attributes.Value("error.type")
				requests[route.Emit()+" "+status.Emit()+" "+code.Emit()] += dp.Count
			}
		}
	}
	want := map[string]uint64{"/orders/{id} 200 ": 1, "/orders/{id} 404 not_found": 1, "/fail 503 unavailable": 1, "/panic 500 internal": 1}
	if diff := cmp.Diff(want, requests); diff != "" {
		t.Errorf("request counts by route, status and code (-want +got):\n%s", diff)
	}
	for _, n := range []string{"supportkit.health.check.status", "supportkit.reporting.events.captured"} {
		if !names[n] {
			t.Errorf("no %s among %v", n, names)
		}
	}
}
