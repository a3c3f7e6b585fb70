//go:build e2e

package metrics_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/prometheustest"
	"github.com/supportkit/supportkit/metrics"
)

// app is the service under test: Setup + Middleware inside a tracing
// middleware built on the otel SDK (always sampling), with fake health and
// reporting hooks the test turns.
type app struct {
	prov       *metrics.Provider
	srv        *httptest.Server
	dependency atomic.Value // metrics.StatusPass or StatusFail
	sent       atomic.Uint64
	traces     prometheustest.TraceIDs // sent in traceparent headers
}

func startApp(t *testing.T, opts ...metrics.Option) *app {
	t.Helper()
	prov, err := metrics.Setup(t.Context(), append([]metrics.Option{metrics.WithServiceName("metrics-e2e")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	a := &app{prov: prov}
	a.dependency.Store(metrics.StatusPass)
	if err := prov.ObserveChecks(func() []metrics.CheckState {
		s := a.dependency.Load().(string)
		c := metrics.CheckState{Name: "dependency", Status: s, LastDuration: 2 * time.Millisecond, Runs: 5}
		if s == metrics.StatusFail {
			c.Failures = 1
		}
		return []metrics.CheckState{c}
	}); err != nil {
		t.Fatal(err)
	}
	if err := prov.ObserveProbes(func() []metrics.ProbeState {
		return []metrics.ProbeState{{Name: "liveness", Status: metrics.StatusPass}, {Name: "readiness", Status: a.dependency.Load().(string)}}
	}); err != nil {
		t.Fatal(err)
	}
	if err := prov.ObserveReporting(func() metrics.ReportingStats {
		return metrics.ReportingStats{Captured: a.sent.Load(), Sent: a.sent.Load(), OutboxBytes: 1024}
	}); err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "order", r.PathValue("id")) })
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		metrics.SetErrorCode(r.Context(), errorsx.Internal)
		a.sent.Add(1)
		http.Error(w, "internal", http.StatusInternalServerError)
	})
	mux.Handle("GET /metrics", prov.Handler())
	tracing := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span := tp.Tracer("e2e").Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
			defer span.End()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	a.srv = httptest.NewServer(tracing(prov.Middleware()(mux)))
	t.Cleanup(func() {
		a.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = prov.Shutdown(ctx)
		_ = tp.Shutdown(ctx)
	})
	return a
}

// get sends GET path, with a sampled traceparent of a new trace ID when
// traced is set.
func (a *app) get(t *testing.T, path string, traced bool) {
	t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
	if traced {
		req.Header.Set("traceparent", a.traces.Traceparent())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// traffic is the scripted mix of requests. /orders/{id} and /fail carry
// traceparent headers: every exemplar of theirs must hold one of the
// trace IDs sent (several requests fall in one bucket, whose exemplar is
// one of them, picked at random). The others start traces of their own.
func (a *app) traffic(t *testing.T) {
	for i := range 6 {
		a.get(t, "/hello", false)
		a.get(t, "/orders/"+strconv.Itoa(i), true)
	}
	a.get(t, "/fail", true)
	a.get(t, "/no/such/path", false)
	a.get(t, "/livez", false) // a probe path: not measured
}

func clearOTELEnv(t *testing.T) {
	for _, v := range os.Environ() {
		if k, _, _ := strings.Cut(v, "="); strings.HasPrefix(k, "OTEL_") {
			t.Setenv(k, "")
		}
	}
}

func TestE2EPrometheus(t *testing.T) {
	clearOTELEnv(t)
	a := startApp(t)
	prom := prometheustest.Start(t, "metrics-e2e", strings.TrimPrefix(a.srv.URL, "http://"))

	a.traffic(t)
	// A rate needs two samples: wait for a scrape that saw the first
	// round, then send the second.
	prom.Expect(t, `sum(http_server_request_duration_seconds_count{http_route="/hello"})`, map[string]float64{"": 6})
	a.traffic(t)

	prom.ExpectPositive(t, `sum by (http_route) (rate(http_server_request_duration_seconds_count{http_route!="/metrics"}[1m]))`,
		[]string{"http_route=/hello", "http_route=/orders/{id}", "http_route=/fail", "http_route=_OTHER"}, "http_route")
	prom.Expect(t, `sum by (http_route, error_type, http_response_status_code) (http_server_request_duration_seconds_count{error_type!=""})`,
		map[string]float64{"http_route=/fail,error_type=internal,http_response_status_code=500": 2},
		"http_route", "error_type", "http_response_status_code")
	prom.ExpectPositive(t, `go_goroutine_count{job="metrics-e2e"}`, []string{"job=metrics-e2e"}, "job")
	prom.Expect(t, `supportkit_reporting_events_sent_total`, map[string]float64{"": 2})

	health := `supportkit_health_check_status{supportkit_health_check="dependency"}`
	prom.Expect(t, health, map[string]float64{"supportkit_health_status=pass": 1, "supportkit_health_status=warn": 0, "supportkit_health_status=fail": 0},
		"supportkit_health_status")
	a.dependency.Store(metrics.StatusFail)
	prom.Expect(t, health, map[string]float64{"supportkit_health_status=pass": 0, "supportkit_health_status=warn": 0, "supportkit_health_status=fail": 1},
		"supportkit_health_status")
	prom.Expect(t, `supportkit_health_probe_status{supportkit_health_status="fail"}`,
		map[string]float64{"supportkit_health_probe=liveness": 0, "supportkit_health_probe=readiness": 1}, "supportkit_health_probe")

	for _, route := range []string{"/orders/{id}", "/fail"} {
		prom.ExpectExemplars(t, `http_server_request_duration_seconds_bucket{http_route="`+route+`"}`, &a.traces)
	}
}

// otlpReceiver keeps every OTLP metrics export it is sent, over
// OTLP/HTTP (protobuf) and OTLP/gRPC.
type otlpReceiver struct {
	colmetricspb.UnimplementedMetricsServiceServer
	mu       sync.Mutex
	requests []*colmetricspb.ExportMetricsServiceRequest
}

// authorization is the header OTEL_EXPORTER_OTLP_METRICS_HEADERS sets;
// the receiver refuses exports without it.
const authorization = "Bearer e2e-token"

func (r *otlpReceiver) Export(ctx context.Context, req *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	if md, _ := metadata.FromIncomingContext(ctx); len(md.Get("authorization")) != 1 || md.Get("authorization")[0] != authorization {
		return nil, status.Error(codes.Unauthenticated, "no authorization")
	}
	return r.keep(req), nil
}

func (r *otlpReceiver) keep(req *colmetricspb.ExportMetricsServiceRequest) *colmetricspb.ExportMetricsServiceResponse {
	r.mu.Lock()
	r.requests = append(r.requests, req)
	r.mu.Unlock()
	return &colmetricspb.ExportMetricsServiceResponse{}
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/metrics" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want POST /v1/metrics, application/x-protobuf", http.StatusBadRequest)
		return
	}
	if req.Header.Get("Authorization") != authorization {
		http.Error(w, "no authorization", http.StatusUnauthorized)
		return
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	m := &colmetricspb.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(b, m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, _ := proto.Marshal(r.keep(m))
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// seen summarises what the receiver got: for each metric name, the
// attribute sets (as "k=v,...", sorted) of its points with their last
// value, and for each route the trace IDs of its exemplars.
func (r *otlpReceiver) seen() (points map[string]map[string]float64, traceIDs map[string][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	points, traceIDs = map[string]map[string]float64{}, map[string][]string{}
	attrs := func(kvs []*commonpb.KeyValue) string {
		var parts []string
		for _, kv := range kvs {
			v := kv.GetValue()
			s := v.GetStringValue()
			if s == "" {
				s = strconv.FormatInt(v.GetIntValue(), 10)
			}
			parts = append(parts, kv.GetKey()+"="+s)
		}
		sort.Strings(parts)
		return strings.Join(parts, ",")
	}
	add := func(name, key string, v float64) {
		if points[name] == nil {
			points[name] = map[string]float64{}
		}
		points[name][key] = v
	}
	exemplars := func(attrs []*commonpb.KeyValue, es []*metricspb.Exemplar) {
		var route string
		for _, kv := range attrs {
			if kv.GetKey() == "http.route" {
				route = kv.GetValue().GetStringValue()
			}
		}
		for _, e := range es {
			traceIDs[route] = append(traceIDs[route], hex.EncodeToString(e.GetTraceId()))
		}
	}
	for _, req := range r.requests {
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					switch {
					case m.GetHistogram() != nil:
						for _, dp := range m.GetHistogram().GetDataPoints() {
							add(m.GetName(), attrs(dp.GetAttributes()), float64(dp.GetCount()))
							exemplars(dp.GetAttributes(), dp.GetExemplars())
						}
					case m.GetSum() != nil:
						for _, dp := range m.GetSum().GetDataPoints() {
							add(m.GetName(), attrs(dp.GetAttributes()), float64(dp.GetAsInt())+dp.GetAsDouble())
						}
					case m.GetGauge() != nil:
						for _, dp := range m.GetGauge().GetDataPoints() {
							add(m.GetName(), attrs(dp.GetAttributes()), float64(dp.GetAsInt())+dp.GetAsDouble())
						}
					}
				}
			}
		}
	}
	return points, traceIDs
}

func TestE2EOTLP(t *testing.T) {
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			clearOTELEnv(t)
			rec := &otlpReceiver{}
			var endpoint string
			if protocol == "grpc" {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				gs := grpc.NewServer()
				colmetricspb.RegisterMetricsServiceServer(gs, rec)
				go func() { _ = gs.Serve(ln) }()
				t.Cleanup(gs.Stop)
				endpoint = "http://" + ln.Addr().String()
			} else {
				srv := httptest.NewServer(rec)
				t.Cleanup(srv.Close)
				endpoint = srv.URL
			}
			t.Setenv("OTEL_METRICS_EXPORTER", "otlp")
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "300")
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "authorization="+url.PathEscape(authorization))
			a := startApp(t)
			a.traffic(t)
			a.dependency.Store(metrics.StatusFail)

			prometheustest.Eventually(t, "OTLP metrics", 30*time.Second, func() string {
				points, traceIDs := rec.seen()
				got := map[string]float64{
					"fail request":   points["http.server.request.duration"]["error.type=internal,http.request.method=GET,http.response.status_code=500,http.route=/fail,url.scheme=http"],
					"orders request": points["http.server.request.duration"]["http.request.method=GET,http.response.status_code=200,http.route=/orders/{id},url.scheme=http"],
					"health fail":    points["supportkit.health.check.status"]["supportkit.health.check=dependency,supportkit.health.status=fail"],
					"sent":           points["supportkit.reporting.events.sent"][""],
				}
				if points["go.goroutine.count"][""] > 0 {
					got["goroutines"] = 1
				}
				want := map[string]float64{"fail request": 1, "orders request": 6, "health fail": 1, "sent": 1, "goroutines": 1}
				if diff := cmp.Diff(want, got); diff != "" {
					return "mismatch (-want +got):\n" + diff
				}
				for _, route := range []string{"/orders/{id}", "/fail"} {
					if msg := a.traces.Check(route, traceIDs[route]); msg != "" {
						return msg
					}
				}
				return ""
			})
		})
	}
}
