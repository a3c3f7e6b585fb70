package tracing

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/supportkit/supportkit/errorsx"
)

// newTestProvider returns a provider that records every span synchronously.
func newTestProvider(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithoutPanicRecording())
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/static/", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	mux.HandleFunc("/livez", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/readyz/", func(w http.ResponseWriter, r *http.Request) {})
	return mux
}

// spanSummary is what the route-naming tests compare.
type spanSummary struct {
	Name   string
	Kind   trace.SpanKind
	Route  string
	Status codes.Code
}

func summarize(s tracetest.SpanStub) spanSummary {
	sum := spanSummary{Name: s.Name, Kind: s.SpanKind, Status: s.Status.Code}
	for _, kv := range s.Attributes {
		if kv.Key == "http.route" {
			sum.Route = kv.Value.AsString()
		}
	}
	return sum
}

func TestMiddlewareNamesSpansFromTheRoute(t *testing.T) {
	// copyRequest stands for middleware between ours and the mux that
	// passes a copy of the request down, as most do (r.WithContext).
	copyRequest := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r.WithContext(r.Context())) })
	}
	tests := []struct {
		name       string
		method     string
		target     string
		copying    bool
		withRouter bool
		want       []spanSummary
	}{
		{"pattern with a wildcard", "GET", "/orders/42", false, false,
			[]spanSummary{{"GET /orders/{id}", trace.SpanKindServer, "/orders/{id}", codes.Unset}}},
		{"pattern without a method", "GET", "/static/app.js", false, false,
			[]spanSummary{{"GET /static/", trace.SpanKindServer, "/static/", codes.Unset}}},
		{"another method", "POST", "/orders", false, false,
			[]spanSummary{{"POST /orders", trace.SpanKindServer, "/orders", codes.Unset}}},
		{"a 5xx is a server error", "GET", "/boom", false, false,
			[]spanSummary{{"GET /boom", trace.SpanKindServer, "/boom", codes.Error}}},
		{"no route: the method alone, no http.route", "GET", "/nowhere", false, false,
			[]spanSummary{{"GET", trace.SpanKindServer, "", codes.Unset}}},
		{"a copying middleware hides the pattern", "GET", "/orders/42", true, false,
			[]spanSummary{{"GET", trace.SpanKindServer, "", codes.Unset}}},
		{"WithRouter finds it again", "GET", "/orders/42", true, true,
			[]spanSummary{{"GET /orders/{id}", trace.SpanKindServer, "/orders/{id}", codes.Unset}}},
		{"health endpoints are not traced", "GET", "/livez", false, false, nil},
		{"nor the paths under them", "GET", "/readyz/db", false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, exp := newTestProvider(t)
			mux := testMux()
			opts := []MiddlewareOption{WithTracerProvider(tp)}
			if tt.withRouter {
				opts = append(opts, WithRouter(mux))
			}
			var h http.Handler = mux
			if tt.copying {
				h = copyRequest(h)
			}
			h = Middleware(opts...)(h)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, tt.target, nil))
			var got []spanSummary
			for _, s := range exp.GetSpans() {
				got = append(got, summarize(s))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("spans mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMiddlewareFilter(t *testing.T) {
	tp, exp := newTestProvider(t)
	onlyAPI := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
	h := Middleware(WithTracerProvider(tp), WithFilter(onlyAPI))(http.NotFoundHandler())
	for _, p := range []string{"/api/x", "/other", "/livez", "/api/y"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	var got []string
	for _, s := range exp.GetSpans() {
		for _, kv := range s.Attributes {
			if kv.Key == "url.path" {
				got = append(got, kv.Value.AsString())
			}
		}
	}
	if diff := cmp.Diff([]string{"/api/x", "/api/y"}, got); diff != "" {
		t.Errorf("traced paths mismatch (-want +got):\n%s", diff)
	}
}

func TestDefaultFilter(t *testing.T) {
	tests := map[string]bool{
		"/": true, "/livez": false, "/livez/": false, "/livez/ping": false, "/livezz": true,
		"/readyz": false, "/startupz": false, "/healthz": false, "/health": false, "/ping": false, "/metrics": false,
		"/orders/1": true, "/api/livez": true,
	}
	got := map[string]bool{}
	for p := range tests {
		got[p] = DefaultFilter(httptest.NewRequest("GET", p, nil))
	}
	if diff := cmp.Diff(tests, got); diff != "" {
		t.Errorf("DefaultFilter mismatch (-want +got):\n%s", diff)
	}
}

func TestMiddlewareMarksPanics(t *testing.T) {
	tests := []struct {
		name     string
		value    any
		wantType string
		wantMsg  string
	}{
		{"string", "index out of range", "string", "panic: index out of range"},
		{"plain error", errors.New("boom"), "*errors.errorString", "panic: boom"},
		{"errorsx error", errorsx.Internal.New("invariant broken"), "internal", "panic: invariant broken"},
		{"a nil pointer as the error", (*fs.PathError)(nil), "*fs.PathError", "panic: <nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, exp := newTestProvider(t)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic(tt.value) })
			h := Middleware(WithTracerProvider(tp))(mux)
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/panic", nil))
			}()
			if recovered != tt.value {
				t.Errorf("recovered %v; want the handler's panic to continue with %v", recovered, tt.value)
			}
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("got %d spans; want 1 (the span must end despite the panic)", len(spans))
			}
			s := spans[0]
			type event struct {
				Name, Type, Message string
				HasStack            bool
			}
			var events []event
			for _, e := range s.Events {
				ev := event{Name: e.Name}
				for _, kv := range e.Attributes {
					switch kv.Key {
					case "exception.type":
						ev.Type = kv.Value.AsString()
					case "exception.message":
						ev.Message = kv.Value.AsString()
					case "exception.stacktrace":
						ev.HasStack = strings.Contains(kv.Value.AsString(), "TestMiddlewareMarksPanics")
					}
				}
				events = append(events, ev)
			}
			want := []event{{Name: "exception", Type: tt.wantType, Message: tt.wantMsg, HasStack: true}}
			if diff := cmp.Diff(want, events); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(sdktrace.Status{Code: codes.Error, Description: tt.wantMsg}, s.Status); diff != "" {
				t.Errorf("status mismatch (-want +got):\n%s", diff)
			}
			if got := attrValue(s.Attributes, "error.type"); got != tt.wantType {
				t.Errorf("error.type = %q; want %q", got, tt.wantType)
			}
		})
	}
}

func attrValue(attrs []attribute.KeyValue, key attribute.Key) string {
	for _, kv := range attrs {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func TestMiddlewareContinuesTheIncomingTrace(t *testing.T) {
	tp, exp := newTestProvider(t)
	var inHandler trace.SpanContext
	h := Middleware(WithTracerProvider(tp), WithTextMapPropagator(propagation.TraceContext{}))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inHandler = trace.SpanContextFromContext(r.Context()) }))
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req)
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d spans; want 1", len(spans))
	}
	got := []string{spans[0].SpanContext.TraceID().String(), spans[0].Parent.SpanID().String(), inHandler.SpanID().String()}
	want := []string{"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", spans[0].SpanContext.SpanID().String()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trace, parent, handler span mismatch (-want +got):\n%s", diff)
	}
}

type countingHandler struct{ n int }

func (h *countingHandler) ServeHTTP(http.ResponseWriter, *http.Request) { h.n++ }

func TestMiddlewareDisabledAddsNothing(t *testing.T) {
	next := &countingHandler{}
	got := Middleware(WithTracerProvider(noop.NewTracerProvider()))(next)
	if got != http.Handler(next) {
		t.Errorf("Middleware with a no-op provider returned %T; want the handler itself", got)
	}
}

func TestTransportPropagates(t *testing.T) {
	rec, exp := newTestProvider(t)
	var traceparent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { traceparent = r.Header.Get("traceparent") }))
	defer srv.Close()
	client := &http.Client{Transport: Transport(nil, otelhttpTracerProvider(rec), otelhttpPropagators(propagation.TraceContext{}))}
	ctx, parent := rec.Tracer("test").Start(t.Context(), "parent")
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/downstream", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("got %d spans; want the client span and its parent", len(spans))
	}
	client0 := spans[0]
	want := "00-" + parent.SpanContext().TraceID().String() + "-" + client0.SpanContext.SpanID().String() + "-01"
	if diff := cmp.Diff(want, traceparent); diff != "" {
		t.Errorf("traceparent mismatch (-want +got):\n%s", diff)
	}
	if client0.SpanKind != trace.SpanKindClient {
		t.Errorf("span kind %v; want client", client0.SpanKind)
	}
}

func otelhttpTracerProvider(tp trace.TracerProvider) otelhttp.Option {
	return otelhttp.WithTracerProvider(tp)
}
func otelhttpPropagators(p propagation.TextMapPropagator) otelhttp.Option {
	return otelhttp.WithPropagators(p)
}

// recoverer stands for the reporting middleware as the module wires it,
// between this middleware and the mux: it passes a copy of the request
// down (r.WithContext), copies the route the mux set on the copy back onto
// the request it was given once next returns, as net/http's ServeMux does
// with the request it is given, and, when it recovers a panic, marks the
// span as failed and answers 500.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.WithContext(context.WithValue(r.Context(), recovererKey{}, true))
		defer func() {
			r.Pattern = r2.Pattern
			if v := recover(); v != nil {
				trace.SpanFromContext(r.Context()).SetStatus(codes.Error, fmt.Sprint("panic: ", v))
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r2)
	})
}

type recovererKey struct{}

// TestMiddlewareRoutesThroughACopyingMiddleware: with a middleware between
// this one and the mux that passes a copy down and copies the route back,
// the span is named by the route, also when that middleware recovered a
// panic, and, without one, when the panic goes on up through this one.
func TestMiddlewareRoutesThroughACopyingMiddleware(t *testing.T) {
	tests := []struct {
		name      string
		recoverer bool
		target    string
		want      spanSummary
	}{
		{"normal return", true, "/orders/42", spanSummary{"GET /orders/{id}", trace.SpanKindServer, "/orders/{id}", codes.Unset}},
		{"a panic it recovered", true, "/orders/panic", spanSummary{"GET /orders/{id}", trace.SpanKindServer, "/orders/{id}", codes.Error}},
		{"a panic nobody below recovered", false, "/orders/panic", spanSummary{"GET /orders/{id}", trace.SpanKindServer, "/orders/{id}", codes.Error}},
		{"a 5xx", true, "/orders/fail", spanSummary{"GET /orders/{id}", trace.SpanKindServer, "/orders/{id}", codes.Error}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, exp := newTestProvider(t)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
				switch r.PathValue("id") {
				case "panic":
					panic("boom")
				case "fail":
					w.WriteHeader(http.StatusBadGateway)
				}
			})
			var h http.Handler = mux
			if tt.recoverer {
				h = recoverer(h)
			}
			h = Middleware(WithTracerProvider(tp))(h)
			func() {
				defer func() { _ = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tt.target, nil))
			}()
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("got %d spans; want 1", len(spans))
			}
			if diff := cmp.Diff(tt.want, summarize(spans[0])); diff != "" {
				t.Errorf("span mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMiddlewareKeepsTheStatusDescription: otelhttp sets the status of a
// 5xx to Error without a description once the handler has returned; the
// description RecordError (or a recovering middleware) gave stays.
func TestMiddlewareKeepsTheStatusDescription(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    sdktrace.Status
	}{
		{"RecordError and a 500", func(w http.ResponseWriter, r *http.Request) {
			RecordError(r.Context(), errorsx.Internal.New("ledger unavailable", "token", errorsx.Secret("t0k")))
			w.WriteHeader(http.StatusInternalServerError)
		}, sdktrace.Status{Code: codes.Error, Description: "ledger unavailable"}},
		{"a recovered panic", func(w http.ResponseWriter, r *http.Request) { panic("nil map") },
			sdktrace.Status{Code: codes.Error, Description: "panic: nil map"}},
		{"a bare 503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
			sdktrace.Status{Code: codes.Error}},
		{"RecordError and a 404: the error stays", func(w http.ResponseWriter, r *http.Request) {
			RecordError(r.Context(), errorsx.NotFound.New("no such order"))
			w.WriteHeader(http.StatusNotFound)
		}, sdktrace.Status{Code: codes.Error, Description: "no such order"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, exp := newTestProvider(t)
			Middleware(WithTracerProvider(tp))(recoverer(tt.handler)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("got %d spans; want 1", len(spans))
			}
			if diff := cmp.Diff(tt.want, spans[0].Status); diff != "" {
				t.Errorf("status mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMiddlewareOneExceptionEventPerPanic: a panic that goes up through
// the middleware is one exception event with one type and the panic
// site's stack, also when the tracer provider is the SDK's default one,
// which records panics itself; an aborted response (http.ErrAbortHandler,
// which net/http swallows, and which a recovering middleware below uses
// after recording the panic itself) adds none.
func TestMiddlewareOneExceptionEventPerPanic(t *testing.T) {
	tests := []struct {
		name      string
		value     any
		wantTypes []string
	}{
		{"a panic", "boom", []string{"string"}},
		{"an aborted response", http.ErrAbortHandler, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)) // records panics
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			h := Middleware(WithTracerProvider(tp))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panicWith(tt.value) }))
			func() {
				defer func() { _ = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
			}()
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("got %d spans; want 1", len(spans))
			}
			var types []string
			for _, e := range spans[0].Events {
				if e.Name != "exception" {
					continue
				}
				var stack string
				for _, kv := range e.Attributes {
					switch kv.Key {
					case "exception.type":
						types = append(types, kv.Value.AsString())
					case "exception.stacktrace":
						stack = kv.Value.AsString()
					}
				}
				if !strings.HasPrefix(stack, "github.com/supportkit/supportkit/tracing.panicWith\n") {
					t.Errorf("stack does not start at the panic site:\n%s", stack)
				}
				if strings.Contains(stack, "(0x") || strings.Contains(stack, "goroutine ") {
					t.Errorf("stack carries argument values or goroutine headers:\n%s", stack)
				}
			}
			if diff := cmp.Diff(tt.wantTypes, types); diff != "" {
				t.Errorf("exception types mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

//go:noinline
func panicWith(v any) { panic(v) }

// TestMiddlewareConcurrentRequests drives one middleware from many
// goroutines with failing, panicking and plain requests: run with -race.
func TestMiddlewareConcurrentRequests(t *testing.T) {
	tp, exp := newTestProvider(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "panic":
			panic("boom")
		case "fail":
			RecordError(r.Context(), errorsx.Unavailable.New("ledger down"))
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	h := Middleware(WithTracerProvider(tp))(recoverer(mux))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, id := range []string{"1", "fail", "panic", "2"} {
				for range 10 {
					h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/"+id, nil))
				}
			}
		})
	}
	wg.Wait()
	got := map[string]int{}
	for _, s := range exp.GetSpans() {
		got[s.Name+" "+s.Status.Code.String()+" "+s.Status.Description]++
	}
	want := map[string]int{
		"GET /orders/{id} Unset ":            160,
		"GET /orders/{id} Error ledger down": 80,
		"GET /orders/{id} Error panic: boom": 80,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spans mismatch (-want +got):\n%s", diff)
	}
}
