package tracing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestSetupResource(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
		want map[string]string
	}{
		{
			name: "defaults: executable name",
			want: map[string]string{"service.name": executableName()},
		},
		{
			name: "options",
			opts: []Option{WithServiceName("checkout"), WithServiceVersion("v1.2.3"),
				WithResourceAttributes(attribute.String("deployment.environment.name", "staging"))},
			want: map[string]string{"service.name": "checkout", "service.version": "v1.2.3", "deployment.environment.name": "staging"},
		},
		{
			name: "environment wins over options",
			env: map[string]string{"OTEL_SERVICE_NAME": "from-env",
				"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod,service.version=v9"},
			opts: []Option{WithServiceName("checkout"), WithServiceVersion("v1.2.3"),
				WithResourceAttributes(attribute.String("deployment.environment.name", "staging"))},
			want: map[string]string{"service.name": "from-env", "service.version": "v9", "deployment.environment.name": "prod"},
		},
		{
			name: "service.name in OTEL_RESOURCE_ATTRIBUTES",
			env:  map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=attrs"},
			opts: []Option{WithServiceName("checkout")},
			want: map[string]string{"service.name": "attrs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			exp, _ := setupForTest(t, tt.opts...)
			_, span := otel.Tracer("test").Start(context.Background(), "op")
			span.End()
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("got %d spans; want 1", len(spans))
			}
			got := map[string]string{}
			for _, kv := range spans[0].Resource.Attributes() {
				if _, ok := tt.want[string(kv.Key)]; ok {
					got[string(kv.Key)] = kv.Value.Emit()
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resource mismatch (-want +got):\n%s", diff)
			}
			for _, k := range []attribute.Key{"host.name", "telemetry.sdk.language"} {
				if _, ok := spans[0].Resource.Set().Value(k); !ok {
					t.Errorf("resource lacks %s", k)
				}
			}
		})
	}
}

func TestSetupSampler(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		opts        []Option
		wantSampled bool
	}{
		{"default samples", nil, nil, true},
		{"always_off", map[string]string{envSampler: "always_off"}, nil, false},
		{"traceidratio 0", map[string]string{envSampler: "traceidratio", envSamplerArg: "0"}, nil, false},
		{"option", nil, []Option{WithSampler(sdktrace.NeverSample())}, false},
		{"environment wins over option", map[string]string{envSampler: "always_on"}, []Option{WithSampler(sdktrace.NeverSample())}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			exp, _ := setupForTest(t, tt.opts...)
			_, span := otel.Tracer("test").Start(context.Background(), "op")
			sc := span.SpanContext()
			span.End()
			if !sc.IsValid() {
				t.Error("span context is not valid: trace IDs would not reach logs")
			}
			got := struct{ Sampled, Exported bool }{sc.IsSampled(), len(exp.GetSpans()) == 1}
			want := struct{ Sampled, Exported bool }{tt.wantSampled, tt.wantSampled}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sampling mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetupPropagators(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
		want []string // headers injected
	}{
		{"default: tracecontext and baggage", nil, nil, []string{"Baggage", "Traceparent"}},
		{"b3 from the environment", map[string]string{envPropagators: "b3"}, nil, []string{"B3"}},
		{"b3multi and tracecontext by option", nil, []Option{WithPropagators("b3multi", "tracecontext")},
			[]string{"Traceparent", "X-B3-Sampled", "X-B3-Spanid", "X-B3-Traceid"}},
		{"none", map[string]string{envPropagators: "none"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			setupForTest(t, tt.opts...)
			ctx, span := otel.Tracer("test").Start(context.Background(), "op")
			defer span.End()
			m, _ := baggage.NewMember("user", "42")
			b, _ := baggage.New(m)
			ctx = baggage.ContextWithBaggage(ctx, b)
			h := http.Header{}
			otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
			var got []string
			for k := range h {
				got = append(got, k)
			}
			if diff := cmp.Diff(tt.want, got, cmpSortStrings); diff != "" {
				t.Errorf("injected headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpSortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestSetupDisabled(t *testing.T) {
	clearEnv(t, map[string]string{envDisabled: "true", envEndpoint: "http://127.0.0.1:1"})
	core, logs := observer.New(zap.InfoLevel)
	exp, _ := setupForTest(t, WithLogger(zap.New(core)))
	if _, ok := otel.GetTracerProvider().(noop.TracerProvider); !ok {
		t.Errorf("global tracer provider is %T; want noop.TracerProvider", otel.GetTracerProvider())
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("%d spans recorded while disabled", n)
	}
	if got := logs.FilterMessage("tracing configured").FilterField(zap.Bool("disabled", true)).Len(); got != 1 {
		t.Errorf("%d 'tracing configured' lines with disabled=true; want 1: %v", got, logs.All())
	}
}

// TestSetupNoExporterKeepsTraceIDs checks the default without any endpoint:
// no exporter is created (nothing tries to connect), yet spans have valid,
// sampled IDs, so they reach the logs and are propagated downstream.
func TestSetupNoExporterKeepsTraceIDs(t *testing.T) {
	clearEnv(t, nil)
	core, logs := observer.New(zap.InfoLevel)
	prov, err := Setup(context.Background(), WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	defer prov.Shutdown(context.Background())
	tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	if !ok {
		t.Fatalf("global tracer provider is %T; want the SDK's", otel.GetTracerProvider())
	}
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	if !span.SpanContext().IsValid() || !span.SpanContext().IsSampled() {
		t.Errorf("span context %+v; want valid and sampled", span.SpanContext())
	}
	h := http.Header{}
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
	if !strings.Contains(h.Get("traceparent"), span.SpanContext().TraceID().String()) {
		t.Errorf("traceparent %q does not carry trace ID %s", h.Get("traceparent"), span.SpanContext().TraceID())
	}
	entries := logs.FilterMessage("tracing configured").All()
	if len(entries) != 1 {
		t.Fatalf("%d 'tracing configured' lines; want exactly 1", len(entries))
	}
	got := entries[0].ContextMap()
	want := map[string]any{
		"disabled":       false,
		"service.name":   executableName(),
		"exporters":      []any{},
		"exporters_from": "default",
		"sampler":        defaultSampler,
		"sampler_from":   "default",
		"propagators":    []any{"tracecontext", "baggage"},
		"note":           got["note"],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configuration line mismatch (-want +got):\n%s", diff)
	}
	if got["note"] == nil {
		t.Error("configuration line lacks the note that spans are not exported")
	}
}

// otlpServer is a fake OTLP/HTTP endpoint that records what reached it.
type otlpServer struct {
	*httptest.Server
	mu       sync.Mutex
	paths    []string
	apiKeys  []string
	requests int
}

func newOTLPServer(t *testing.T) *otlpServer {
	s := &otlpServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(body) > 0 {
			s.requests++
			s.paths = append(s.paths, r.URL.Path)
			s.apiKeys = append(s.apiKeys, r.Header.Get("Api-Key"))
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *otlpServer) seen() (paths, keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...), append([]string(nil), s.apiKeys...)
}

func TestSetupExportsOverOTLPHTTP(t *testing.T) {
	tests := []struct {
		name      string
		env       func(url string) map[string]string
		opts      func(url string) []Option
		wantPaths []string
		wantKeys  []string
	}{
		{
			name: "endpoint and headers from options",
			opts: func(u string) []Option {
				return []Option{WithEndpoint(u), WithHeaders(map[string]string{"Api-Key": "opt"})}
			},
			wantPaths: []string{"/v1/traces"}, wantKeys: []string{"opt"},
		},
		{
			name: "endpoint and headers from the environment win",
			env: func(u string) map[string]string {
				return map[string]string{envEndpoint: u, envHeaders: "Api-Key=env"}
			},
			opts: func(string) []Option {
				return []Option{WithEndpoint("http://127.0.0.1:1"), WithHeaders(map[string]string{"Api-Key": "opt"})}
			},
			wantPaths: []string{"/v1/traces"}, wantKeys: []string{"env"},
		},
		{
			name: "traces endpoint is used as given",
			env: func(u string) map[string]string {
				return map[string]string{envTracesEndpoint: u + "/custom/path"}
			},
			wantPaths: []string{"/custom/path"}, wantKeys: []string{""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newOTLPServer(t)
			var env map[string]string
			if tt.env != nil {
				env = tt.env(srv.URL)
			}
			clearEnv(t, env)
			var opts []Option
			if tt.opts != nil {
				opts = tt.opts(srv.URL)
			}
			prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
			defer func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) }()
			prov, err := Setup(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, span := otel.Tracer("test").Start(context.Background(), "op")
			span.End()
			// Nothing is sent before the batch is flushed: shutdown flushes.
			if paths, _ := srv.seen(); len(paths) != 0 {
				t.Errorf("exported before shutdown: %v", paths)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := prov.Shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			paths, keys := srv.seen()
			if diff := cmp.Diff(tt.wantPaths, paths); diff != "" {
				t.Errorf("paths mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantKeys, keys); diff != "" {
				t.Errorf("api keys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetupConsoleExporter(t *testing.T) {
	clearEnv(t, map[string]string{envExporter: "console"})
	var buf syncBuffer
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) }()
	prov, err := Setup(context.Background(), WithConsoleWriter(&buf))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "console-span")
	span.End()
	if err := prov.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"Name":"console-span"`) {
		t.Errorf("console output lacks the span:\n%s", buf.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// recordingExporter counts exports and can fail or block its shutdown.
type recordingExporter struct {
	mu          sync.Mutex
	exported    int
	shutdowns   int
	shutdownErr error
	block       chan struct{} // when set, Export waits for it or ctx
}

func (e *recordingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.block != nil {
		select {
		case <-e.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.exported += len(spans)
	return nil
}

func (e *recordingExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shutdowns++
	return e.shutdownErr
}

func (e *recordingExporter) counts() (exported, shutdowns int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.exported, e.shutdowns
}

func TestShutdownTwice(t *testing.T) {
	clearEnv(t, nil)
	errA, errB := errors.New("exporter A failed"), errors.New("exporter B failed")
	a := &recordingExporter{shutdownErr: errA}
	b := &recordingExporter{shutdownErr: errB}
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) }()
	prov, err := Setup(context.Background(), WithSpanExporter(a), WithSpanExporter(b))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()

	first := prov.Shutdown(context.Background())
	second := prov.Shutdown(context.Background())
	for _, want := range []error{errA, errB} {
		if !errors.Is(first, want) {
			t.Errorf("first shutdown = %v; want it to include %v", first, want)
		}
	}
	if second != first {
		t.Errorf("second shutdown = %v; want the first's result %v", second, first)
	}
	type counts struct{ Exported, Shutdowns int }
	var got []counts
	for _, e := range []*recordingExporter{a, b} {
		x, s := e.counts()
		got = append(got, counts{x, s})
	}
	want := []counts{{1, 1}, {1, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flushed once, shut down once mismatch (-want +got):\n%s", diff)
	}
	// Spans started after shutdown are dropped, not exported.
	_, late := otel.Tracer("test").Start(context.Background(), "late")
	late.End()
	if x, _ := a.counts(); x != 1 {
		t.Errorf("exported %d spans after shutdown; want 1 in total", x)
	}
}

func TestShutdownIsBoundedByContext(t *testing.T) {
	clearEnv(t, nil)
	stuck := &recordingExporter{block: make(chan struct{})}
	defer close(stuck.block)
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) }()
	prov, err := Setup(context.Background(), WithSpanExporter(stuck))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := prov.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("shutdown with a cancelled context = %v; want context.Canceled", err)
	}
}

func TestSetupRoutesOtelErrorsToTheLogger(t *testing.T) {
	clearEnv(t, nil)
	core, logs := observer.New(zap.WarnLevel)
	prevHandler := otel.GetErrorHandler()
	defer otel.SetErrorHandler(prevHandler)
	setupForTest(t, WithLogger(zap.New(core)))
	otel.Handle(errors.New("export failed: connection refused"))
	if got := logs.FilterMessage("opentelemetry error").Len(); got != 1 {
		t.Errorf("%d 'opentelemetry error' lines; want 1", got)
	}
}

// A span context from elsewhere is still valid in the SDK provider.
var _ trace.TracerProvider = (*sdktrace.TracerProvider)(nil)

func TestVersionOf(t *testing.T) {
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"module version", debug.BuildInfo{Main: debug.Module{Version: "v1.4.2"}}, "v1.4.2"},
		{"devel build with a revision", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}}, "0123456789ab"},
		{"modified work tree", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, "0123456789ab-dirty"},
		{"nothing known", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, versionOf(&tt.bi)); diff != "" {
				t.Errorf("version mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSetupLogHidesEndpointCredentials: the configuration line never
// shows a user, password or query of the OTLP endpoint.
func TestSetupLogHidesEndpointCredentials(t *testing.T) {
	clearEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:hunter2@127.0.0.1:1/?api_key=k3y"})
	core, logs := observer.New(zap.InfoLevel)
	p, err := Setup(context.Background(), WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	for _, e := range logs.All() {
		s := fmt.Sprint(e.ContextMap())
		if strings.Contains(s, "hunter2") || strings.Contains(s, "k3y") {
			t.Errorf("log line %q %s shows the endpoint's credentials", e.Message, s)
		}
	}
}
