package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestProviderMiddlewareUsesItsOwnProvider: the provider's middleware and
// transport trace with the provider's tracer provider and propagator, even
// when the globals have since been replaced by someone else's.
func TestProviderMiddlewareUsesItsOwnProvider(t *testing.T) {
	clearEnv(t, nil)
	exp, prov := setupForTest(t, WithPropagators("b3"))
	if _, ok := prov.TracerProvider().(*sdktrace.TracerProvider); !ok {
		t.Errorf("TracerProvider() is %T; want the SDK's", prov.TracerProvider())
	}
	otel.SetTracerProvider(noop.NewTracerProvider())
	otel.SetTextMapPropagator(propagation.TraceContext{})

	var gotB3 string
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotB3 = r.Header.Get("b3") }))
	t.Cleanup(downstream.Close)
	client := &http.Client{Transport: prov.Transport(nil)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", downstream.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	})
	req := httptest.NewRequest("GET", "/orders/7", nil)
	req.Header.Set("b3", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")
	prov.Middleware()(mux).ServeHTTP(httptest.NewRecorder(), req)

	var names []string
	for _, s := range exp.GetSpans() {
		names = append(names, s.Name)
		if got := s.SpanContext.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("span %q in trace %s; want the incoming b3 trace", s.Name, got)
		}
	}
	if diff := cmp.Diff([]string{"HTTP GET", "GET /orders/{id}"}, names); diff != "" {
		t.Errorf("span names mismatch (-want +got):\n%s", diff)
	}
	if len(gotB3) < 32 || gotB3[:32] != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("downstream b3 header %q; want the trace carried with the provider's propagator", gotB3)
	}
}

func TestProviderDisabled(t *testing.T) {
	clearEnv(t, map[string]string{envDisabled: "true"})
	_, prov := setupForTest(t)
	if _, ok := prov.TracerProvider().(noop.TracerProvider); !ok {
		t.Errorf("TracerProvider() is %T; want noop.TracerProvider", prov.TracerProvider())
	}
	next := &countingHandler{}
	if got := prov.Middleware()(next); got != http.Handler(next) {
		t.Errorf("Middleware of a disabled provider returned %T; want the handler itself", got)
	}
	for range 2 {
		if err := prov.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown of a disabled provider: %v", err)
		}
	}
}

// TestNilProvider: a nil *Provider (what a failed Setup returns) is safe
// to use and adds nothing.
func TestNilProvider(t *testing.T) {
	var prov *Provider
	if err := prov.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
	next := &countingHandler{}
	if got := prov.Middleware()(next); got != http.Handler(next) {
		t.Errorf("Middleware returned %T; want the handler itself", got)
	}
	if _, ok := prov.TracerProvider().(noop.TracerProvider); !ok {
		t.Errorf("TracerProvider() is %T; want noop.TracerProvider", prov.TracerProvider())
	}
	ctx, span := prov.TracerProvider().Tracer("t").Start(context.Background(), "op")
	span.End()
	h := http.Header{}
	prov.Propagator().Inject(ctx, propagation.HeaderCarrier(h))
	if len(h) != 0 {
		t.Errorf("nil provider's propagator injected %v; want nothing", h)
	}
	var seen trace.SpanContext
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = trace.SpanContextFromContext(propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header)))
	}))
	t.Cleanup(srv.Close)
	resp, err := (&http.Client{Transport: prov.Transport(nil)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if seen.IsValid() {
		t.Errorf("nil provider's transport sent trace context %v", seen)
	}
}
