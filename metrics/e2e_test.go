//go:build e2e

package metrics_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	"github.com/supportkit/supportkit/internal/servicetest"
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

	mu       sync.Mutex
	traceIDs map[string]bool // sent in traceparent headers
}

func startApp(t *testing.T, opts ...metrics.Option) *app {
	t.Helper()
	prov, err := metrics.Setup(t.Context(), append([]metrics.Option{metrics.WithServiceName("metrics-e2e")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	a := &app{prov: prov, traceIDs: map[string]bool{}}
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
		var id [16]byte
		_, _ = rand.Read(id[:])
		traceID := hex.EncodeToString(id[:])
		a.mu.Lock()
		a.traceIDs[traceID] = true
		a.mu.Unlock()
		req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
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

// checkTraceIDs says what is wrong with the exemplar trace IDs found for a
// route: none, or one the test did not send.
func (a *app) checkTraceIDs(route string, ids []string) string {
	if len(ids) == 0 {
		return "no exemplar for " + route
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		if !a.traceIDs[id] {
			return fmt.Sprintf("an exemplar of %s has the trace ID %s, which the test did not send", route, id)
		}
	}
	return ""
}

func clearOTELEnv(t *testing.T) {
	for _, v := range os.Environ() {
		if k, _, _ := strings.Cut(v, "="); strings.HasPrefix(k, "OTEL_") {
			t.Setenv(k, "")
		}
	}
}

// eventually polls cond every 250ms until it returns "" or the deadline
// passes; then it fails with cond's last answer. It waits on an external
// process (Prometheus' scrapes, an exporter's interval), which no fake
// clock can speed up.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		last := cond()
		if last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, timeout, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// prometheus is a Prometheus server the test runs.
type prometheus struct{ base string }

func startPrometheus(t *testing.T, target string) *prometheus {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus is not installed (%v): run .ci/setup.d/prometheus.sh", err)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: metrics-e2e
    metrics_path: /metrics
    static_configs:
      - targets: ["`+target+`"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := servicetest.FreeAddr(t)
	cmd := exec.Command(bin,
		"--config.file="+config,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--enable-feature=exemplar-storage",
		"--log.level=warn")
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("prometheus did not stop within 15s of SIGTERM")
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})
	p := &prometheus{base: "http://" + addr}
	eventually(t, "prometheus ready", 30*time.Second, func() string {
		select {
		case err := <-done:
			t.Fatalf("prometheus exited: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(p.base + "/-/ready")
		if err != nil {
			return err.Error()
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.Status
		}
		return ""
	})
	return p
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// query runs an instant query and returns each series' labels (joined as
// "k=v,..." in the order given by keys) and value.
func (p *prometheus) query(t *testing.T, q string, keys ...string) (map[string]float64, error) {
	resp, err := http.Get(p.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, body.Error)
	}
	out := map[string]float64{}
	for _, r := range body.Data.Result {
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+r.Metric[k])
		}
		s, _ := r.Value[1].(string)
		v, _ := strconv.ParseFloat(s, 64)
		out[strings.Join(parts, ",")] = v
	}
	return out, nil
}

// exemplarTraceIDs returns the trace IDs of the exemplars Prometheus holds
// for the series q selects, over the last ten minutes.
func (p *prometheus) exemplarTraceIDs(q string) ([]string, error) {
	now := time.Now()
	v := url.Values{"query": {q}, "start": {strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)}, "end": {strconv.FormatInt(now.Add(time.Minute).Unix(), 10)}}
	resp, err := http.Get(p.base + "/api/v1/query_exemplars?" + v.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Error  string
		Data   []struct {
			Exemplars []struct{ Labels map[string]string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query_exemplars %s: %s", q, body.Error)
	}
	var ids []string
	for _, s := range body.Data {
		for _, e := range s.Exemplars {
			ids = append(ids, e.Labels["trace_id"])
		}
	}
	return ids, nil
}

// expect polls q until the series it returns are want (compared as
// labels → value; only the values' sign for rates: 1 when > 0).
func (p *prometheus) expect(t *testing.T, q string, want map[string]float64, rate bool, keys ...string) {
	t.Helper()
	eventually(t, q, 60*time.Second, func() string {
		got, err := p.query(t, q, keys...)
		if err != nil {
			return err.Error()
		}
		if rate {
			for k, v := range got {
				if v > 0 {
					got[k] = 1
				}
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			return "mismatch (-want +got):\n" + diff
		}
		return ""
	})
}

func TestE2EPrometheus(t *testing.T) {
	clearOTELEnv(t)
	a := startApp(t)
	prom := startPrometheus(t, strings.TrimPrefix(a.srv.URL, "http://"))

	a.traffic(t)
	// A rate needs two samples: wait for a scrape that saw the first
	// round, then send the second.
	prom.expect(t, `sum(http_server_request_duration_seconds_count{http_route="/hello"})`, map[string]float64{"": 6}, false)
	a.traffic(t)

	prom.expect(t, `sum by (http_route) (rate(http_server_request_duration_seconds_count{http_route!="/metrics"}[1m]))`,
		map[string]float64{
			"http_route=/hello":       1,
			"http_route=/orders/{id}": 1,
			"http_route=/fail":        1,
			"http_route=_OTHER":       1,
		}, true, "http_route")
	prom.expect(t, `sum by (http_route, error_type, http_response_status_code) (http_server_request_duration_seconds_count{error_type!=""})`,
		map[string]float64{"http_route=/fail,error_type=internal,http_response_status_code=500": 2}, false,
		"http_route", "error_type", "http_response_status_code")
	prom.expect(t, `go_goroutine_count{job="metrics-e2e"} > 0`, map[string]float64{"job=metrics-e2e": 1}, true, "job")
	prom.expect(t, `supportkit_reporting_events_sent_total`, map[string]float64{"": 2}, false)

	health := `supportkit_health_check_status{supportkit_health_check="dependency"}`
	prom.expect(t, health, map[string]float64{"supportkit_health_status=pass": 1, "supportkit_health_status=warn": 0, "supportkit_health_status=fail": 0},
		false, "supportkit_health_status")
	a.dependency.Store(metrics.StatusFail)
	prom.expect(t, health, map[string]float64{"supportkit_health_status=pass": 0, "supportkit_health_status=warn": 0, "supportkit_health_status=fail": 1},
		false, "supportkit_health_status")
	prom.expect(t, `supportkit_health_probe_status{supportkit_health_status="fail"}`,
		map[string]float64{"supportkit_health_probe=liveness": 0, "supportkit_health_probe=readiness": 1}, false, "supportkit_health_probe")

	for _, route := range []string{"/orders/{id}", "/fail"} {
		eventually(t, "exemplars of "+route, 60*time.Second, func() string {
			ids, err := prom.exemplarTraceIDs(`http_server_request_duration_seconds_bucket{http_route="` + route + `"}`)
			if err != nil {
				return err.Error()
			}
			return a.checkTraceIDs(route, ids)
		})
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

			eventually(t, "OTLP metrics", 30*time.Second, func() string {
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
					if msg := a.checkTraceIDs(route, traceIDs[route]); msg != "" {
						return msg
					}
				}
				return ""
			})
		})
	}
}
