package reporting_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportkit/supportkit/reporting/reportingtest"
)

//go:noinline
func explodeInHandler() { panic("boom") }

// TestPanicSpanHasOneExceptionWithStack: a handler panic leaves exactly one
// exception event on the request's span, with one type and the stack of
// the panic site.
func TestPanicSpanHasOneExceptionWithStack(t *testing.T) {
	rec := reportingtest.New(t)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	h := rec.Reporter().Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { explodeInHandler() }))
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	ctx, span := tp.Tracer("test").Start(req.Context(), "GET /boom", trace.WithSpanKind(trace.SpanKindServer))
	h.ServeHTTP(httptest.NewRecorder(), req.WithContext(ctx))
	span.End()
	ended := spans.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans ended, want 1", len(ended))
	}
	var exceptions int
	for _, ev := range ended[0].Events() {
		if ev.Name != "exception" {
			continue
		}
		exceptions++
		types, stack := 0, ""
		for _, a := range ev.Attributes {
			switch a.Key {
			case "exception.type":
				types++
			case "exception.stacktrace":
				stack = a.Value.AsString()
			}
		}
		if types != 1 || !strings.Contains(stack, "explodeInHandler") {
			t.Errorf("exception event with %d types and stack %q; want one type and the panic site", types, stack)
		}
	}
	if exceptions != 1 {
		t.Errorf("%d exception events on the span, want 1", exceptions)
	}
}
