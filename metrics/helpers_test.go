package metrics

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// clearEnv unsets every variable Setup reads, for the test's duration.
func clearEnv(t testing.TB) {
	t.Helper()
	for _, v := range []string{envDisabled, envExporter, envInterval, envEndpoint, envMetricsEndpoint,
		envProtocol, envMetricsProtocol, envHeaders, envMetricsHeaders, "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"} {
		t.Setenv(v, "")
	}
}

// setupManual starts a Provider whose only readers are a manual one (and,
// with the variables unset, the Prometheus one), shut down with the test.
func setupManual(t *testing.T, opts ...Option) (*Provider, *sdkmetric.ManualReader) {
	t.Helper()
	clearEnv(t)
	reader := sdkmetric.NewManualReader()
	p, err := Setup(t.Context(), append([]Option{WithReader(reader), WithRuntimeMetrics(false)}, opts...)...)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p, reader
}

func collect(t *testing.T, r sdkmetric.Reader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return rm
}

func findMetric(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// attrString renders an attribute set as "k=v,k=v", keys sorted.
func attrString(s attribute.Set) string {
	parts := make([]string, 0, s.Len())
	for _, kv := range s.ToSlice() {
		parts = append(parts, fmt.Sprintf("%s=%s", kv.Key, kv.Value.Emit()))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// histogramCounts maps each data point's attributes to its count.
func histogramCounts(t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	m, ok := findMetric(rm, name)
	if !ok {
		return out
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is a %T, want a float64 histogram", name, m.Data)
	}
	for _, dp := range h.DataPoints {
		out[attrString(dp.Attributes)] = dp.Count
	}
	return out
}

// int64Points maps each data point's attributes to its value, for gauges
// and sums alike.
func int64Points(t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	m, ok := findMetric(rm, name)
	if !ok {
		return out
	}
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			out[attrString(dp.Attributes)] = dp.Value
		}
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			out[attrString(dp.Attributes)] = dp.Value
		}
	default:
		t.Fatalf("%s is a %T, want an int64 gauge or sum", name, m.Data)
	}
	return out
}

func newManualReader() *sdkmetric.ManualReader { return sdkmetric.NewManualReader() }

// scrape GETs h as a scraper would; accept "" asks for the classic text
// format.
func scrape(t *testing.T, h http.Handler, accept string) string {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}

// dataPoints returns a metric's data points, whatever its kind.
func dataPoints(m metricdata.Metrics) []any {
	var out []any
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp)
		}
	case metricdata.Histogram[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp)
		}
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp)
		}
	case metricdata.Sum[float64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp)
		}
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp)
		}
	case metricdata.Gauge[float64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp)
		}
	}
	return out
}
