package metrics

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestSetupLogsEachInvalidValueOnceAndThePlan(t *testing.T) {
	clearEnv(t)
	t.Setenv(envExporter, "prometheus,bogus")
	t.Setenv(envInterval, "soon")
	t.Setenv(envDisabled, "1")
	core, logs := observer.New(zapcore.InfoLevel)
	p, err := Setup(t.Context(), WithLogger(zap.New(core)), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	type line struct {
		Level   string
		Message string
		Fields  map[string]any
	}
	var got []line
	for _, e := range logs.All() {
		got = append(got, line{e.Level.String(), e.Message, e.ContextMap()})
	}
	want := []line{
		{"warn", "metrics: an OTEL_* value is not valid and is ignored", map[string]any{
			"variable": "OTEL_SDK_DISABLED", "value": "1", "using": "false (not a boolean: true or false)"}},
		{"warn", "metrics: an OTEL_* value is not valid and is ignored", map[string]any{
			"variable": "OTEL_METRIC_EXPORT_INTERVAL", "value": "soon", "using": "60000 (milliseconds, a positive integer)"}},
		{"warn", "metrics: an OTEL_* value is not valid and is ignored", map[string]any{
			"variable": "OTEL_METRICS_EXPORTER", "value": "bogus", "using": "the other exporters named (want otlp, prometheus, console or none)"}},
		{"info", "metrics configured", map[string]any{
			"off": false, "service.name": "metrics.test", "prometheus": true, "exporters": []any{},
			"exporters_from": "env", "interval": time.Minute}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines mismatch (-want +got):\n%s", diff)
	}
}

func TestSetupWithoutLoggerIsSilentAndNilLoggerToo(t *testing.T) {
	clearEnv(t)
	t.Setenv(envExporter, "bogus")
	p, err := Setup(t.Context(), WithLogger(nil), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownIsIdempotent(t *testing.T) {
	p, _ := setupManual(t)
	first := p.Shutdown(t.Context())
	second := p.Shutdown(t.Context())
	if first != nil || second != nil {
		t.Errorf("Shutdown = %v, then %v; want nil twice", first, second)
	}
	t.Setenv(envDisabled, "true")
	off, err := Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(off.Shutdown(t.Context()), off.Shutdown(t.Context())); err != nil {
		t.Errorf("Shutdown with metrics off = %v", err)
	}
}

// syncBuffer is a bytes.Buffer the exporter's goroutine and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConsoleExporterExportsOnShutdown(t *testing.T) {
	clearEnv(t)
	t.Setenv(envExporter, "console")
	var out syncBuffer
	p, err := Setup(t.Context(), withConsole(&out), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	serve(p.Middleware()(testMux()), "GET", "/orders/1")
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Name":"http.server.request.duration"`) {
		t.Errorf("console output has no request duration:\n%s", out.String())
	}
}

// A collector that never answers must not hold Shutdown past its
// deadline, nor leave a goroutine behind (goleak in TestMain).
func TestShutdownReturnsByItsDeadlineWhenTheCollectorHangs(t *testing.T) {
	release := make(chan struct{})
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(collector.Close)
	t.Cleanup(func() { close(release) })
	clearEnv(t)
	t.Setenv(envExporter, "otlp")
	t.Setenv(envMetricsEndpoint, collector.URL+"/v1/metrics")
	p, err := Setup(t.Context(), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	serve(p.Middleware()(testMux()), "GET", "/orders/1")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = p.Shutdown(ctx)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Shutdown took %v with a 300ms deadline", elapsed)
	}
	if err == nil {
		t.Error("Shutdown = nil; want the export's failure")
	}
}

// A collector that rejects the export (a 4xx) makes Shutdown say so; the
// request path never sees it.
func TestOTLPRejectedExportIsShutdownsError(t *testing.T) {
	var posts sync.WaitGroup
	posts.Add(1)
	var once sync.Once
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadRequest)
		once.Do(posts.Done)
	}))
	t.Cleanup(collector.Close)
	clearEnv(t)
	t.Setenv(envExporter, "otlp")
	t.Setenv(envEndpoint, collector.URL)
	p, err := Setup(t.Context(), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	serve(p.Middleware()(testMux()), "GET", "/orders/1")
	if err := p.Shutdown(t.Context()); err == nil {
		t.Error("Shutdown = nil; want the collector's 400")
	}
	posts.Wait() // the export reached the generic endpoint + /v1/metrics
}

func TestServiceName(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opt  string
		want string
	}{
		{"option", nil, "checkout", "checkout"},
		{"OTEL_SERVICE_NAME wins", map[string]string{"OTEL_SERVICE_NAME": "from-env"}, "checkout", "from-env"},
		{"OTEL_RESOURCE_ATTRIBUTES wins", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=attrs,team=a"}, "checkout", "attrs"},
		{"default: the executable", nil, "", "metrics.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			reader := newManualReader()
			p, err := Setup(t.Context(), WithReader(reader), WithServiceName(tt.opt), WithRuntimeMetrics(false))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			rm := collect(t, reader)
			got, _ := rm.Resource.Set().Value(attribute.Key("service.name"))
			if got.Emit() != tt.want {
				t.Errorf("service.name = %q, want %q", got.Emit(), tt.want)
			}
		})
	}
}

func TestRuntimeMetrics(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(boolWord(on), func(t *testing.T) {
			clearEnv(t)
			reader := newManualReader()
			p, err := Setup(t.Context(), WithReader(reader), WithRuntimeMetrics(on))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			_, goroutines := findMetric(collect(t, reader), "go.goroutine.count")
			body := scrape(t, p.Handler(), "")
			got := []bool{goroutines, strings.Contains(body, "go_schedule_duration_seconds_bucket"), strings.Contains(body, "go_memory_used_bytes")}
			if diff := cmp.Diff([]bool{on, on, on}, got); diff != "" {
				t.Errorf("goroutine count, scheduler latency, memory used present mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// tracing.Middleware wraps otelhttp, which would record its own
// http.server.request.duration to the global meter provider: a second
// series of every request. Setup drops otelhttp's server instruments and
// keeps its client ones.
func TestOtelHTTPServerMetricsAreDropped(t *testing.T) {
	p, reader := setupManual(t)
	otelhttp.NewHandler(p.Middleware()(testMux()), "server").ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/1", nil))
	srv := httptest.NewServer(testMux())
	t.Cleanup(srv.Close)
	resp, err := (&http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}).Get(srv.URL + "/orders/2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Client().CloseIdleConnections()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()

	var got []string
	for _, sm := range collect(t, reader).ScopeMetrics {
		for _, m := range sm.Metrics {
			if len(dataPoints(m)) > 0 {
				got = append(got, sm.Scope.Name+" "+m.Name)
			}
		}
	}
	sort.Strings(got)
	want := []string{
		ScopeName + " http.server.request.duration",
		otelHTTPScope + " http.client.request.body.size",
		otelHTTPScope + " http.client.request.duration",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instruments with data mismatch (-want +got):\n%s", diff)
	}
}

func TestNilProviderIsOff(t *testing.T) {
	var p *Provider
	next := testMux()
	if p.Middleware()(next) != http.Handler(next) {
		t.Error("a nil Provider's middleware wraps the handler")
	}
	errs := errors.Join(p.ObserveChecks(func() []CheckState { return nil }), p.Shutdown(t.Context()))
	if errs != nil {
		t.Error(errs)
	}
	if body := scrape(t, p.Handler(), ""); body != "# supportkit metrics: no series, no Provider\n" {
		t.Errorf("Handler body = %q", body)
	}
	_ = p.MeterProvider().Meter("x")
}
