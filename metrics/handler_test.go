package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

const openMetrics = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"

func TestHandlerServesOpenMetricsWithTheExemplar(t *testing.T) {
	p, _ := setupManual(t)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tp.Tracer("test").Start(ctx, "server")
		defer span.End()
		p.Middleware()(testMux()).ServeHTTP(w, r.WithContext(ctx))
	})
	req := httptest.NewRequest("GET", "/fail", nil)
	req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	h.ServeHTTP(httptest.NewRecorder(), req)

	req = httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", openMetrics)
	w := httptest.NewRecorder()
	p.Handler().ServeHTTP(w, req)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("Content-Type = %q, want OpenMetrics", ct)
	}
	body := w.Body.String()
	exemplar := regexp.MustCompile(`(?m)^http_server_request_duration_seconds_bucket\{[^}]*error_type="internal"[^}]*\} 1 # \{[^}]*trace_id="0af7651916cd43dd8448eb211c80319c"[^}]*\}`)
	if !exemplar.MatchString(body) {
		t.Errorf("no bucket with the request's exemplar in:\n%s", body)
	}
	if !strings.Contains(body, "# EOF") {
		t.Error("OpenMetrics body has no # EOF")
	}

	classic := scrape(t, p.Handler(), "")
	if strings.Contains(classic, "trace_id") || !strings.Contains(classic, "http_server_request_duration_seconds_count") {
		t.Errorf("classic text format: want the series without exemplars, got:\n%s", classic)
	}
}

func TestHandlerWithoutPrometheusReader(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"otlp only", map[string]string{envExporter: "console"},
			"# supportkit metrics: no series, OTEL_METRICS_EXPORTER=console does not name prometheus\n"},
		{"disabled", map[string]string{envDisabled: "true"},
			"# supportkit metrics: no series, metrics are off (OTEL_SDK_DISABLED=true)\n"},
		{"none", map[string]string{envExporter: "none"},
			"# supportkit metrics: no series, metrics are off (OTEL_METRICS_EXPORTER=none)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			p, err := Setup(t.Context(), WithRuntimeMetrics(false), withConsole(&syncBuffer{}))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			if diff := cmp.Diff(tt.want, scrape(t, p.Handler(), openMetrics)); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithPrometheusKeepsTheReaderBesideOtherExporters(t *testing.T) {
	clearEnv(t)
	t.Setenv(envExporter, "console")
	p, err := Setup(t.Context(), WithPrometheus(), WithRuntimeMetrics(false), withConsole(&syncBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	serve(p.Middleware()(testMux()), "GET", "/orders/1")
	if body := scrape(t, p.Handler(), ""); !strings.Contains(body, `http_route="/orders/{id}"`) {
		t.Errorf("no request series in:\n%s", body)
	}
}

// Scrapes run on the scraper's goroutine while requests record and the
// hooks' figures change on others.
func TestScrapeWhileServing(t *testing.T) {
	p, _ := setupManual(t)
	var sent atomic.Uint64
	if err := p.ObserveReporting(func() ReportingStats { return ReportingStats{Sent: sent.Load()} }); err != nil {
		t.Fatal(err)
	}
	h := p.Middleware()(testMux())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				serve(h, "GET", "/orders/1")
				sent.Add(1)
			}
		})
	}
	for range 20 {
		scrape(t, p.Handler(), openMetrics)
	}
	wg.Wait()
	body := scrape(t, p.Handler(), "")
	for _, want := range []string{
		`http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/orders/{id}",otel_scope_name="github.com/supportkit/supportkit/metrics",otel_scope_schema_url="",otel_scope_version="",url_scheme="http"} 800`,
		`supportkit_reporting_events_sent_total{otel_scope_name="github.com/supportkit/supportkit/metrics",otel_scope_schema_url="",otel_scope_version=""} 800`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("no line %s in:\n%s", want, body)
		}
	}
}
