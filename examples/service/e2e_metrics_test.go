//go:build e2e

package main

import (
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/internal/prometheustest"
	"github.com/supportkit/supportkit/internal/servicetest"
)

// job is the Prometheus job name the test scrapes the service under.
const job = "supportkit-example"

// scrapedService is the running example service with the trace IDs the
// test sent it in traceparent headers.
type scrapedService struct {
	svc    *servicetest.Service
	traces prometheustest.TraceIDs
}

// send makes a request with a traceparent of a new, sampled trace and
// returns the status code.
func (s *scrapedService) send(t *testing.T, method, path string) int {
	t.Helper()
	req, err := http.NewRequest(method, s.svc.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("traceparent", s.traces.Traceparent())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// mix is the scripted traffic: one request to each endpoint of the mix.
var mix = []struct {
	path   string
	status int
}{
	{"/hello", 200},
	{"/orders/1", 200},
	{"/orders/42", 404},
	{"/fail", 500},
	{"/panic", 500},
	{"/slow?d=50ms", 200},
}

func (s *scrapedService) traffic(t *testing.T) {
	t.Helper()
	var want, got []int
	for _, m := range mix {
		want = append(want, m.status)
		got = append(got, s.send(t, "GET", m.path))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("status codes of the mix: mismatch (-want +got):\n%s", diff)
	}
}

// serviceEnv is the environment of a service that reports to a temporary
// outbox, exports no spans (trace IDs exist all the same) and lets the
// test fail its dependency: every OTEL_ variable of the test's own
// environment is emptied.
func serviceEnv(t *testing.T) []string {
	env := []string{
		"SUPPORTKIT_OUTBOX=" + t.TempDir(), "SENTRY_DSN=", "SUPPORTKIT_DRAIN_DELAY=50ms",
		"SUPPORTKIT_HEALTH_ADMIN=1", "SUPPORTKIT_HEALTH_INTERVAL=250ms",
		"OTEL_TRACES_EXPORTER=", "OTEL_METRICS_EXPORTER=", "OTEL_SDK_DISABLED=",
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OTEL_") && !slices.Contains(env, k+"=") {
			env = append(env, k+"=")
		}
	}
	return env
}

// TestE2EPrometheusScrapesTheService runs the example service and a real
// Prometheus scraping its /metrics every second, sends a scripted mix of
// requests, then fails the service's critical dependency, and reads what
// a support engineer's dashboard would through Prometheus' HTTP API.
func TestE2EPrometheusScrapesTheService(t *testing.T) {
	svc := servicetest.Start(t, servicetest.Build(t, ""), servicetest.Options{Env: serviceEnv(t)})
	s := &scrapedService{svc: svc}
	prom := prometheustest.Start(t, job, svc.Addr)
	count := `http_server_request_duration_seconds_count{job="` + job + `"}`

	s.traffic(t)
	// A rate needs two samples of each series: wait for a scrape that saw
	// the whole first round (probes and /metrics are not measured), then
	// send the second.
	prom.Expect(t, `sum(`+count+`)`, map[string]float64{"": float64(len(mix))})
	s.traffic(t)

	t.Run("request rate per route", func(t *testing.T) {
		// The route pattern, never the raw path: /orders/1 and
		// /orders/42 are one route.
		prom.ExpectPositive(t, `sum by (http_route) (rate(`+count+`[1m]))`,
			[]string{"http_route=/hello", "http_route=/orders/{id}", "http_route=/fail", "http_route=/panic", "http_route=/slow"},
			"http_route")
		prom.Expect(t, `sum by (http_response_status_code, error_type) (http_server_request_duration_seconds_count{job="`+job+`",http_route="/orders/{id}"})`,
			map[string]float64{"http_response_status_code=200,error_type=": 2, "http_response_status_code=404,error_type=not_found": 2},
			"http_response_status_code", "error_type")
		prom.Expect(t, `count by (__name__) ({job="`+job+`",http_route=~"/orders/[0-9]+"})`, map[string]float64{}, "__name__")
	})

	t.Run("errors of /fail", func(t *testing.T) {
		prom.Expect(t, `sum by (error_type, http_response_status_code) (http_server_request_duration_seconds_count{job="`+job+`",http_route="/fail"})`,
			map[string]float64{"error_type=internal,http_response_status_code=500": 2},
			"error_type", "http_response_status_code")
	})

	t.Run("runtime", func(t *testing.T) {
		prom.ExpectPositive(t, `go_goroutine_count{job="`+job+`"}`, []string{"job=" + job}, "job")
	})

	t.Run("reporting", func(t *testing.T) {
		// /fail and /panic, twice each, are reported (4xx are not); with
		// no SENTRY_DSN each event is written to the outbox, none sent.
		prom.Expect(t, `{__name__=~"supportkit_reporting_events_.+",job="`+job+`"}`, map[string]float64{
			"__name__=supportkit_reporting_events_captured_total":   4,
			"__name__=supportkit_reporting_events_outboxed_total":   4,
			"__name__=supportkit_reporting_events_sent_total":       0,
			"__name__=supportkit_reporting_events_suppressed_total": 0,
			"__name__=supportkit_reporting_events_dropped_total":    0,
			"__name__=supportkit_reporting_events_replayed_total":   0,
			"__name__=supportkit_reporting_events_evicted_total":    0,
		}, "__name__")
		prom.ExpectPositive(t, `supportkit_reporting_outbox_size_bytes{job="`+job+`"}`, []string{"job=" + job}, "job")
	})

	t.Run("health turns to fail", func(t *testing.T) {
		inventory := `supportkit_health_check_status{job="` + job + `",supportkit_health_check="inventory"}`
		prom.Expect(t, inventory, map[string]float64{
			"supportkit_health_status=pass": 1, "supportkit_health_status=warn": 0, "supportkit_health_status=fail": 0,
		}, "supportkit_health_status")

		if got := s.send(t, "POST", "/admin/dependency?mode=fail"); got != http.StatusNoContent {
			t.Fatalf("POST /admin/dependency?mode=fail: status %d, want 204", got)
		}
		prom.Expect(t, inventory, map[string]float64{
			"supportkit_health_status=pass": 0, "supportkit_health_status=warn": 0, "supportkit_health_status=fail": 1,
		}, "supportkit_health_status")
		// The failure counter moves and readiness fails with it; startup,
		// once passed, stays passed.
		prom.ExpectPositive(t, `supportkit_health_check_failures_total{job="`+job+`",supportkit_health_check="inventory"}`,
			[]string{"job=" + job}, "job")
		prom.Expect(t, `supportkit_health_probe_status{job="`+job+`",supportkit_health_status="fail"}`, map[string]float64{
			"supportkit_health_probe=liveness": 0, "supportkit_health_probe=readiness": 1, "supportkit_health_probe=startup": 0,
		}, "supportkit_health_probe")
	})

	t.Run("exemplars carry the trace IDs sent", func(t *testing.T) {
		for _, route := range []string{"/hello", "/orders/{id}", "/fail", "/panic", "/slow"} {
			prom.ExpectExemplars(t, `http_server_request_duration_seconds_bucket{job="`+job+`",http_route="`+route+`"}`, &s.traces)
		}
	})
}
