package tracingtest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/goleak"

	"github.com/supportkit/supportkit/tracing"
	"github.com/supportkit/supportkit/tracing/tracingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNewInstallsAndRestoresTheGlobals(t *testing.T) {
	before := noop.NewTracerProvider()
	otel.SetTracerProvider(before)
	t.Run("inner", func(t *testing.T) {
		rec := tracingtest.New(t)
		if otel.GetTracerProvider() != rec.TracerProvider {
			t.Fatalf("global provider is %T; want the recorder's", otel.GetTracerProvider())
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) {})
		h := tracing.Middleware()(mux)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/7", nil))
		_, span := otel.Tracer("test").Start(context.Background(), "inner work")
		span.End()

		if diff := cmp.Diff([]string{"GET /orders/{id}", "inner work"}, rec.Names()); diff != "" {
			t.Errorf("span names mismatch (-want +got):\n%s", diff)
		}
		if s, ok := rec.Span("inner work"); !ok || !s.SpanContext.IsSampled() {
			t.Errorf("Span(inner work) = %v, %v; want a sampled span", s.Name, ok)
		}
		if _, ok := rec.Span("missing"); ok {
			t.Error("Span(missing) found a span")
		}
		rec.Reset()
		if n := len(rec.Spans()); n != 0 {
			t.Errorf("%d spans after Reset; want 0", n)
		}
	})
	if otel.GetTracerProvider() != before {
		t.Errorf("global provider after the test is %T; want the previous one back", otel.GetTracerProvider())
	}
}

// Assert the spans a handler creates, without touching the globals.
func ExampleNewRecorder() {
	rec := tracingtest.NewRecorder()
	defer rec.TracerProvider.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	h := tracing.Middleware(tracing.WithTracerProvider(rec.TracerProvider))(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/orders", nil))

	fmt.Println(rec.Names())
	// Output: [POST /orders]
}
