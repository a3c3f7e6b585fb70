package reporting_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// waitEvents waits until rec holds n events (a goroutine started with Go
// captures after its function has returned), or 5 s.
func waitEvents(t *testing.T, rec *reportingtest.Recorder, n int) []*sentry.Event {
	t.Helper()
	evs := rec.Events()
	for deadline := time.Now().Add(5 * time.Second); len(evs) < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		evs = rec.Events()
	}
	if len(evs) != n {
		t.Fatalf("got %d events, want %d", len(evs), n)
	}
	return evs
}

// serve sends one request through rep's middleware around a mux that
// routes pattern to h, recovering the http.ErrAbortHandler the middleware
// panics with after a response has started.
func serve(rep *reporting.Reporter, pattern string, h http.HandlerFunc, req *http.Request) {
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler { //nolint:errorlint // as net/http compares it
			panic(v)
		}
	}()
	rep.Middleware(mux).ServeHTTP(httptest.NewRecorder(), req)
}

// TestTransactionIsTheRoute: an event's transaction is the route the mux
// matched, named as the tracing middleware names the span ("GET
// /orders/{id}"), so that one endpoint is one culprit; the URL stays in
// request.url.
func TestTransactionIsTheRoute(t *testing.T) {
	capture := func(w http.ResponseWriter, r *http.Request) { reporting.Capture(r.Context(), errors.New("x")) }
	tests := []struct {
		name, method, pattern, target string
		handler                       func(rep *reporting.Reporter) http.HandlerFunc
		want                          map[string]string
	}{
		{
			name: "panic in a routed handler", method: "GET", pattern: "GET /orders/{id}", target: "/orders/1001",
			handler: func(*reporting.Reporter) http.HandlerFunc {
				return func(http.ResponseWriter, *http.Request) { panic("boom") }
			},
			want: map[string]string{"transaction": "GET /orders/{id}", "url": "http://example.com/orders/1001"},
		},
		{
			name: "capture in a routed handler, host in the pattern", method: "POST", pattern: "example.com/orders/{id}/pay", target: "/orders/7/pay",
			handler: func(*reporting.Reporter) http.HandlerFunc { return capture },
			want:    map[string]string{"transaction": "POST /orders/{id}/pay", "url": "http://example.com/orders/7/pay"},
		},
		{
			name: "goroutine started from a routed request", method: "GET", pattern: "/orders/{id}", target: "/orders/1002",
			handler: func(rep *reporting.Reporter) http.HandlerFunc {
				return func(_ http.ResponseWriter, r *http.Request) {
					done := make(chan struct{})
					rep.Go(r.Context(), func(ctx context.Context) { defer close(done); reporting.Capture(ctx, errors.New("x")) })
					<-done
				}
			},
			want: map[string]string{"transaction": "GET /orders/{id}", "url": "http://example.com/orders/1002"},
		},
		{
			name: "method outside the standard ones", method: "PURGE", pattern: "/cache/{key}", target: "/cache/k1",
			handler: func(*reporting.Reporter) http.HandlerFunc { return capture },
			want:    map[string]string{"transaction": "HTTP /cache/{key}", "url": "http://example.com/cache/k1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := reportingtest.New(t)
			serve(rec.Reporter(), tt.pattern, tt.handler(rec.Reporter()), httptest.NewRequest(tt.method, tt.target, nil))
			ev := waitEvents(t, rec, 1)[0]
			got := map[string]string{"transaction": ev.Transaction, "url": ev.Request.URL}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("transaction mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTransactionWithoutRoute: a request no route matched (the mux
// answered 404) is named by its method alone, as otelhttp names its span.
func TestTransactionWithoutRoute(t *testing.T) {
	rec := reportingtest.New(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) {})
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		reporting.Capture(r.Context(), errors.New("after the mux"))
	}))
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("GET", "/nothing/here", nil))
	ev := waitEvents(t, rec, 1)[0]
	got := map[string]any{"status": rr.Code, "transaction": ev.Transaction, "http.status": ev.Tags["http.status"]}
	want := map[string]any{"status": 404, "transaction": "GET", "http.status": "404"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("404 mismatch (-want +got):\n%s", diff)
	}
}

// TestHTTPStatusTag: http.status is the status the client got, and only
// when a response was written.
func TestHTTPStatusTag(t *testing.T) {
	tests := []struct {
		name    string
		handler func(rep *reporting.Reporter, log *zap.Logger) http.HandlerFunc
		want    string // "" for no tag
	}{
		{"handler panic answered 500 by the middleware", func(*reporting.Reporter, *zap.Logger) http.HandlerFunc {
			return func(http.ResponseWriter, *http.Request) { panic("boom") }
		}, "500"},
		{"panic after 202 was written", func(*reporting.Reporter, *zap.Logger) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted); panic("boom") }
		}, "202"},
		{"panic after a body was written: 200", func(*reporting.Reporter, *zap.Logger) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("partial")); panic("boom") }
		}, "200"},
		{"capture before anything was written", func(*reporting.Reporter, *zap.Logger) http.HandlerFunc {
			return func(_ http.ResponseWriter, r *http.Request) { reporting.Capture(r.Context(), errors.New("x")) }
		}, ""},
		{"goroutine panic of a request that answered 202", func(rep *reporting.Reporter, _ *zap.Logger) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				rep.Go(r.Context(), func(context.Context) { panic("later") })
			}
		}, ""},
		{"error log before the response", func(_ *reporting.Reporter, log *zap.Logger) http.HandlerFunc {
			return func(_ http.ResponseWriter, r *http.Request) { log.Error("declined", reporting.LogContext(r.Context())) }
		}, ""},
		{"error log after a 402 was written", func(_ *reporting.Reporter, log *zap.Logger) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusPaymentRequired)
				log.Error("declined", reporting.LogContext(r.Context()))
			}
		}, "402"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := reportingtest.New(t)
			log := zap.New(rec.Reporter().WrapCore(zapcore.NewNopCore()))
			serve(rec.Reporter(), "/", tt.handler(rec.Reporter(), log), httptest.NewRequest("GET", "/", nil))
			ev := waitEvents(t, rec, 1)[0]
			got, ok := ev.Tags["http.status"]
			if tt.want == "" && ok {
				t.Errorf("http.status = %q, want no tag", got)
			} else if tt.want != "" && got != tt.want {
				t.Errorf("http.status = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestEventDescribesTheProcess: every event names supportkit as its SDK
// and carries the os, runtime, device and app contexts, without a single
// null. (A test binary records no modules: TestBuiltProgramEvent checks
// them in a built program.)
func TestEventDescribesTheProcess(t *testing.T) {
	rec := reportingtest.New(t)
	ctx := rec.Reporter().Bind(context.Background())
	reporting.Capture(ctx, errors.New("ours"))
	sentry.GetHubFromContext(ctx).CaptureMessage("through sentry-go's API")
	evs := waitEvents(t, rec, 2)
	for _, ev := range evs {
		var pkgs []string
		for _, p := range ev.Sdk.Packages {
			pkgs = append(pkgs, p.Name+"@"+p.Version)
		}
		got := map[string]any{
			"sdk":      ev.Sdk.Name + " " + ev.Sdk.Version,
			"packages": pkgs,
			"os":       ev.Contexts["os"]["name"],
			"runtime":  []any{ev.Contexts["runtime"]["name"], ev.Contexts["runtime"]["version"], ev.Contexts["runtime"]["go_maxprocs"] != nil, ev.Contexts["runtime"]["go_numroutines"].(int) > 0},
			"device":   []any{ev.Contexts["device"]["arch"] != nil, ev.Contexts["device"]["num_cpu"].(int) > 0},
			"app":      []any{ev.Contexts["app"]["app_start_time"] != nil, ev.Contexts["app"]["app_identifier"], ev.Contexts["app"]["go_version"] != nil},
		}
		want := map[string]any{
			"sdk":      "supportkit.go devel", // supportkit is the main module of a test binary, unversioned
			"packages": []string{"go:github.com/supportkit/supportkit@devel", "sentry-go@" + sentry.SDKVersion},
			"os":       "linux",
			"runtime":  []any{"go", strings.TrimSpace(goVersion()), true, true},
			"device":   []any{true, true},
			"app":      []any{true, "github.com/supportkit/supportkit", true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("event %q mismatch (-want +got):\n%s", ev.Message, diff)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var decoded any
		if err := json.Unmarshal(b, &decoded); err != nil {
			t.Fatal(err)
		}
		if path := nullPath(decoded, ""); path != "" {
			t.Errorf("event %q has a null at %s", ev.Message, path)
		}
	}
}

// nullPath returns where v holds a JSON null, or "".
func nullPath(v any, at string) string {
	switch v := v.(type) {
	case nil:
		return at
	case map[string]any:
		for k, e := range v {
			if p := nullPath(e, at+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for _, e := range v {
			if p := nullPath(e, at+"[]"); p != "" {
				return p
			}
		}
	}
	return ""
}

func goVersion() string { return runtime.Version() }
