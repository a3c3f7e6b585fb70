//go:build e2e

package tracing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/internal/otlptest"
	"github.com/supportkit/supportkit/internal/servicetest"
)

type receiver struct {
	GRPC, HTTP string // host:port
	metrics    string // the metrics file
	rcv        *otlptest.Receiver
}

// startReceiver runs the OTLP receiver (internal/otlptest) and stops it
// when the test ends.
func startReceiver(t *testing.T) *receiver {
	t.Helper()
	r := otlptest.Start(t)
	return &receiver{GRPC: r.GRPC, HTTP: r.HTTP, metrics: r.Metrics, rcv: r}
}

// requestSeries returns the http.server.request.duration series the
// receiver got for service, as "route status [code]".
func (r *receiver) requestSeries(t *testing.T, service string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(r.metrics)
	if err != nil {
		t.Fatalf("the receiver wrote no metrics: %v", err)
	}
	out := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var batch struct {
			ResourceMetrics []struct {
				Resource struct {
					Attributes []otlpKV `json:"attributes"`
				} `json:"resource"`
				ScopeMetrics []struct {
					Metrics []struct {
						Name      string `json:"name"`
						Histogram struct {
							DataPoints []struct {
								Attributes []otlpKV `json:"attributes"`
							} `json:"dataPoints"`
						} `json:"histogram"`
					} `json:"metrics"`
				} `json:"scopeMetrics"`
			} `json:"resourceMetrics"`
		}
		if err := json.Unmarshal([]byte(line), &batch); err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		for _, rm := range batch.ResourceMetrics {
			name := ""
			for _, kv := range rm.Resource.Attributes {
				if kv.Key == "service.name" {
					name = kv.text()
				}
			}
			if name != service {
				continue
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if m.Name != "http.server.request.duration" {
						continue
					}
					for _, dp := range m.Histogram.DataPoints {
						a := map[string]string{}
						for _, kv := range dp.Attributes {
							a[kv.Key] = kv.text()
						}
						out[strings.TrimSpace(a["http.route"]+" "+a["http.response.status_code"]+" "+a["error.type"])] = true
					}
				}
			}
		}
	}
	return out
}

// span is what the tests read back from the receiver's OTLP JSON.
type span struct {
	Service      string
	Name         string
	TraceID      string
	ParentSpanID string
	Kind         int // 2 is server
	Route        string
	Path         string
	StatusCode   string // http.response.status_code
	Status       int    // 0 unset, 1 ok, 2 error
}

type otlpKV struct {
	Key   string `json:"key"`
	Value struct {
		StringValue string `json:"stringValue"`
		IntValue    string `json:"intValue"`
	} `json:"value"`
}

func (kv otlpKV) text() string { return kv.Value.StringValue + kv.Value.IntValue }

// spans returns the spans the receiver has written so far.
func (r *receiver) spans(t *testing.T) []span {
	t.Helper()
	var out []span
	for _, s := range r.rcv.ReadSpans(t) {
		out = append(out, span{Service: s.Service, Name: s.Name, TraceID: s.TraceID, ParentSpanID: s.ParentSpanID,
			Kind: s.Kind, Status: s.Status, Route: s.Attributes["http.route"], Path: s.Attributes["url.path"],
			StatusCode: s.Attributes["http.response.status_code"]})
	}
	return out
}

func get(t *testing.T, url string, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// failedLine waits for the service's "request failed" log line for path.
func failedLine(t *testing.T, s *servicetest.Service, path string) map[string]any {
	t.Helper()
	line, err := s.WaitLog(context.Background(), 10*time.Second, func(m map[string]any) bool {
		return m["msg"] == "request failed" && m["path"] == path
	})
	if err != nil {
		t.Fatalf("no 'request failed' log line for %s: %v\nstderr:\n%s", path, err, s.Stderr())
	}
	return line
}

// TestE2ESpansReachARealOTLPReceiver runs the example service against the
// OpenTelemetry Collector's OTLP receiver over both OTLP protocols and
// reads the spans back from what the receiver wrote.
func TestE2ESpansReachARealOTLPReceiver(t *testing.T) {
	bin := servicetest.Build(t, "")
	rcv := startReceiver(t)
	const upstreamTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	const upstreamSpan = "00f067aa0ba902b7"
	for _, tc := range []struct {
		protocol, endpoint string
	}{
		{"http/protobuf", "http://" + rcv.HTTP},
		{"grpc", "http://" + rcv.GRPC},
	} {
		t.Run(strings.ReplaceAll(tc.protocol, "/", "-"), func(t *testing.T) {
			service := "e2e-" + strings.ReplaceAll(tc.protocol, "/", "-")
			s := servicetest.Start(t, bin, servicetest.Options{Env: []string{
				"OTEL_SERVICE_NAME=" + service,
				"OTEL_EXPORTER_OTLP_PROTOCOL=" + tc.protocol,
				"OTEL_EXPORTER_OTLP_ENDPOINT=" + tc.endpoint,
				"OTEL_TRACES_EXPORTER=", "OTEL_SDK_DISABLED=", "OTEL_TRACES_SAMPLER=", "OTEL_PROPAGATORS=",
				"OTEL_BSP_SCHEDULE_DELAY=100",
				"SUPPORTKIT_OUTBOX=" + t.TempDir(),
			}})

			// The effective configuration is logged once, at start.
			configured, err := s.WaitLog(context.Background(), 5*time.Second, func(m map[string]any) bool { return m["msg"] == "tracing configured" })
			if err != nil {
				t.Fatalf("no 'tracing configured' line: %v\n%s", err, s.Stderr())
			}
			wantExporter := "otlp " + tc.protocol + " " + tc.endpoint
			if tc.protocol == "http/protobuf" {
				wantExporter += "/v1/traces"
			}
			if diff := cmp.Diff([]any{wantExporter}, configured["exporters"]); diff != "" {
				t.Errorf("logged exporters mismatch (-want +got):\n%s", diff)
			}

			statuses := map[string]int{
				"/hello":      get(t, s.URL+"/hello", nil),
				"/orders/999": get(t, s.URL+"/orders/999", nil),
				"/orders/1":   get(t, s.URL+"/orders/1", map[string]string{"traceparent": "00-" + upstreamTrace + "-" + upstreamSpan + "-01"}),
				"/fail":       get(t, s.URL+"/fail", nil),
				"/panic":      get(t, s.URL+"/panic", nil),
				"/livez":      get(t, s.URL+"/livez", nil),
			}
			if statuses["/orders/999"] != http.StatusNotFound || statuses["/fail"] < 500 || statuses["/panic"] != 500 {
				t.Fatalf("statuses %v; want 404 for /orders/999, a 5xx for /fail, 500 for /panic", statuses)
			}
			notFound := failedLine(t, s, "/orders/999")
			failed := failedLine(t, s, "/fail")
			// The reporting middleware recovers the panic and logs it with
			// the trace ID it reads from the span tracing started.
			panicked, err := s.WaitLog(context.Background(), 10*time.Second, func(m map[string]any) bool {
				return m["path"] == "/panic" && m["level"] == "error" && m["trace_id"] != nil
			})
			if err != nil {
				t.Fatalf("no error log line with a trace_id for /panic: %v\nstderr:\n%s", err, s.Stderr())
			}

			// SIGTERM flushes the spans; the service exits 0.
			if err := s.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err, ok := s.Wait(30 * time.Second); !ok || err != nil {
				t.Fatalf("service after SIGTERM: exited=%v err=%v\nstderr:\n%s", ok, err, s.Stderr())
			}

			var got []span
			deadline := time.Now().Add(10 * time.Second)
			for {
				got = nil
				for _, sp := range rcv.spans(t) {
					if sp.Service == service {
						got = append(got, sp)
					}
				}
				if len(got) >= 5 || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			byPath := map[string]span{}
			for _, sp := range got {
				byPath[sp.Path] = sp
			}
			if _, traced := byPath["/livez"]; traced {
				t.Errorf("the health endpoint /livez was traced")
			}

			want := map[string]span{
				"/hello": {Service: service, Name: "GET /hello", Kind: 2, Route: "/hello", Path: "/hello", StatusCode: "200",
					TraceID: byPath["/hello"].TraceID},
				// A 4xx is the client's error: the server span's status stays unset.
				"/orders/999": {Service: service, Name: "GET /orders/{id}", Kind: 2, Route: "/orders/{id}", Path: "/orders/999", StatusCode: "404",
					TraceID: fmt.Sprint(notFound["trace_id"])},
				// The upstream trace continues.
				"/orders/1": {Service: service, Name: "GET /orders/{id}", Kind: 2, Route: "/orders/{id}", Path: "/orders/1", StatusCode: "200",
					TraceID: upstreamTrace, ParentSpanID: upstreamSpan},
				"/fail": {Service: service, Name: "GET /fail", Kind: 2, Route: "/fail", Path: "/fail", StatusCode: fmt.Sprint(statuses["/fail"]),
					TraceID: fmt.Sprint(failed["trace_id"]), Status: 2},
				"/panic": {Service: service, Name: "GET /panic", Kind: 2, Route: "/panic", Path: "/panic", StatusCode: "500",
					TraceID: fmt.Sprint(panicked["trace_id"]), Status: 2},
			}
			if diff := cmp.Diff(want, byPath); diff != "" {
				t.Errorf("spans read back from the receiver mismatch (-want +got):\n%s\nall spans: %+v", diff, got)
			}
			// The user-facing reference of a 4xx is the trace ID itself.
			if notFound["reference_id"] != notFound["trace_id"] || notFound["trace_id"] == nil {
				t.Errorf("log line of /orders/999: reference_id %v, trace_id %v; want the same trace ID", notFound["reference_id"], notFound["trace_id"])
			}

			// The same endpoint takes the request metrics too (the generic
			// OTEL_EXPORTER_OTLP_ENDPOINT serves every signal): pushed at
			// shutdown, by route, status and errorsx code (issue 16).
			wantMetrics := map[string]bool{
				"/hello 200": true, "/orders/{id} 200": true, "/orders/{id} 404 not_found": true,
				"/fail " + fmt.Sprint(statuses["/fail"]) + " internal": true,
			}
			series := rcv.requestSeries(t, service)
			for k := range wantMetrics {
				if !series[k] {
					t.Errorf("no http.server.request.duration series %q at the receiver; got %v", k, series)
				}
			}
			for k := range series {
				if strings.Contains(k, "livez") || strings.Contains(k, "/orders/1 ") || strings.Contains(k, "/orders/999") {
					t.Errorf("series %q: probes and raw paths must not be series", k)
				}
			}
		})
	}
}

// TestE2ENoExporterStillCorrelates runs the service with no OTEL_*
// variable: nothing is exported, but the log line of a request carries the
// trace ID its caller sent.
func TestE2ENoExporterStillCorrelates(t *testing.T) {
	bin := servicetest.Build(t, "")
	s := servicetest.Start(t, bin, servicetest.Options{Env: []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=", "OTEL_TRACES_EXPORTER=", "OTEL_SDK_DISABLED=",
	}})
	const upstreamTrace = "0af7651916cd43dd8448eb211c80319c"
	if got := get(t, s.URL+"/orders/999", map[string]string{"traceparent": "00-" + upstreamTrace + "-b7ad6b7169203331-01"}); got != http.StatusNotFound {
		t.Fatalf("GET /orders/999: %d; want 404", got)
	}
	line := failedLine(t, s, "/orders/999")
	got := map[string]any{"trace_id": line["trace_id"], "reference_id": line["reference_id"], "trace_flags": line["trace_flags"]}
	want := map[string]any{"trace_id": upstreamTrace, "reference_id": upstreamTrace, "trace_flags": "01"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log line mismatch (-want +got):\n%s", diff)
	}
	configured, err := s.WaitLog(context.Background(), 5*time.Second, func(m map[string]any) bool { return m["msg"] == "tracing configured" })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{}, configured["exporters"]); diff != "" {
		t.Errorf("logged exporters mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(s.Stderr(), "connection refused") {
		t.Errorf("the service tried to connect somewhere:\n%s", s.Stderr())
	}
}
