package metrics

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// FuzzRequestAttributes sends requests with any method and path and checks
// that no attribute value comes from them: methods fold into the nine
// standard ones or _OTHER, routes into the mux's patterns or _OTHER.
func FuzzRequestAttributes(f *testing.F) {
	for _, s := range [][2]string{
		{"GET", "/orders/1"}, {"BREW", "/orders/2"}, {"get", "/fail"}, {"GET", "/../etc/passwd"},
		{"POST", "/orders/%2F"}, {"DELETE", "/livez"}, {"", ""}, {"GET", "/orders/{id}x"},
	} {
		f.Add(s[0], s[1])
	}
	clearEnv(f)
	reader := newManualReader()
	p, err := Setup(context.Background(), WithReader(reader), WithRuntimeMetrics(false))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	h := p.Middleware(WithFilter(nil))(testMux())
	methods := map[string]bool{OtherValue: true}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"} {
		methods[m] = true
	}
	routes := map[string]bool{OtherValue: true, "/orders/{id}": true, "/fail": true, "/missing": true,
		"/teapot": true, "/bad-gateway": true, "/early-hints": true, "/empty": true, "/livez": true, "/hosted": true}

	f.Fuzz(func(t *testing.T, method, path string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Method = method
		req.URL = &url.URL{Path: path}
		req.RequestURI = path
		h.ServeHTTP(httptest.NewRecorder(), req)

		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		m, ok := findMetric(rm, durationName)
		if !ok {
			t.Fatal("no duration recorded")
		}
		for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
			if v, _ := dp.Attributes.Value("http.request.method"); !methods[v.AsString()] {
				t.Errorf("method %q became the attribute value %q", method, v.AsString())
			}
			if v, _ := dp.Attributes.Value("http.route"); !routes[v.AsString()] {
				t.Errorf("path %q became the route %q", path, v.AsString())
			}
		}
	})
}
