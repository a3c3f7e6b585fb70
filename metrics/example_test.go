package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/metrics"
)

// A service measures its requests and serves them to Prometheus on
// /metrics (here with no OTEL_* variable set: the Prometheus reader only).
// The unmatched path is one series, whatever the path was.
func Example() {
	prov, err := metrics.Setup(context.Background(), metrics.WithRuntimeMetrics(false))
	if err != nil {
		panic(err)
	}
	defer prov.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "0" {
			// What the application's error edge does for a failed request.
			metrics.SetErrorCode(r.Context(), errorsx.NotFound)
			http.Error(w, "no such order", http.StatusNotFound)
			return
		}
		fmt.Fprintln(w, "order", r.PathValue("id"))
	})
	mux.Handle("GET /metrics", prov.Handler())
	srv := httptest.NewServer(prov.Middleware()(mux))
	defer srv.Close()

	for _, path := range []string{"/orders/1", "/orders/2", "/orders/0", "/nowhere"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "http_server_request_duration_seconds_count") {
			fmt.Print(dropScope(line))
		}
	}
	// Output:
	// http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/orders/{id}",url_scheme="http"} 2
	// http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404",http_route="_OTHER",url_scheme="http"} 1
	// http_server_request_duration_seconds_count{error_type="not_found",http_request_method="GET",http_response_status_code="404",http_route="/orders/{id}",url_scheme="http"} 1
}

// dropScope removes the instrumentation scope labels, the same on every
// series here, to keep the lines short.
func dropScope(line string) string { return scopeLabels.ReplaceAllString(line, "") }

var scopeLabels = regexp.MustCompile(`,?otel_scope_[a-z_]+="[^"]*"`)
