package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportkit/supportkit/tracing"
)

// discardExporter is the no-op exporter behind the SDK in these
// benchmarks: spans are built and handed over, then dropped.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

func ordersMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"` + r.PathValue("id") + `"}`))
	})
	return mux
}

// BenchmarkMiddleware serves GET /orders/42 through a Go 1.22 mux:
//
//   - bare: the mux alone;
//   - otelhttp: otelhttp.NewHandler(mux, "server"), the SDK installed
//     globally with a no-op exporter;
//   - supportkit: the Provider's Middleware with the same SDK, as set up by
//     tracing.Setup (route naming, http.route, panic marking, health filter);
//   - supportkit-disabled: the Provider's Middleware after tracing.Setup
//     with OTEL_SDK_DISABLED=true.
//
// Targets: supportkit ≤ 1.05× otelhttp, supportkit-disabled ≤ 1.1× bare.
func BenchmarkMiddleware(b *testing.B) {
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_PROPAGATORS"} {
		b.Setenv(k, "")
	}
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) }()

	mux := ordersMux()
	serve := func(h http.Handler) func(*testing.B) {
		return func(b *testing.B) {
			req := httptest.NewRequest("GET", "/orders/42", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		}
	}

	b.Run("bare", serve(mux))

	// The no-op exporter sits behind a synchronous processor: a batch
	// processor's goroutine competes for the CPU with the benchmark loop
	// and makes the figures swing by tens of percent on a small machine.
	tp, err := tracing.Setup(context.Background(),
		tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discardExporter{})))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("otelhttp", serve(otelhttp.NewHandler(mux, "server")))
	b.Run("supportkit", serve(tp.Middleware()(mux)))
	if err := tp.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}

	b.Setenv("OTEL_SDK_DISABLED", "true")
	tp, err = tracing.Setup(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	b.Run("supportkit-disabled", serve(tp.Middleware()(mux)))
}

// BenchmarkSlogHandler logs one record with one attribute through
// slog.NewJSONHandler writing to io.Discard:
//
//   - json: the JSON handler alone, context without a span;
//   - supportkit: tracing.SlogHandler around it, context without a span;
//   - json-by-hand: the JSON handler alone, context with a span, the
//     trace_id, span_id and trace_flags attributes written by hand in the
//     call, as an application without the handler does;
//   - supportkit-span: tracing.SlogHandler, context with the same span.
//
// Targets: supportkit-span ≤ 1.1× json-by-hand; supportkit 0 allocs more
// than json. (otel-contrib's otelslog bridge is not here: it turns records
// into OpenTelemetry log records for a LoggerProvider, not into JSON lines,
// so it does a different job.)
func BenchmarkSlogHandler(b *testing.B) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	withSpan := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	plain := slog.New(slog.NewJSONHandler(io.Discard, nil))
	wrapped := slog.New(tracing.SlogHandler(slog.NewJSONHandler(io.Discard, nil)))
	run := func(f func()) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		}
	}
	b.Run("json", run(func() {
		plain.LogAttrs(context.Background(), slog.LevelInfo, "order loaded", slog.String("order_id", "o-1"))
	}))
	b.Run("supportkit", run(func() {
		wrapped.LogAttrs(context.Background(), slog.LevelInfo, "order loaded", slog.String("order_id", "o-1"))
	}))
	b.Run("json-by-hand", run(func() {
		sc := trace.SpanContextFromContext(withSpan)
		plain.LogAttrs(withSpan, slog.LevelInfo, "order loaded", slog.String("order_id", "o-1"),
			slog.String("trace_id", sc.TraceID().String()),
			slog.String("span_id", sc.SpanID().String()),
			slog.String("trace_flags", sc.TraceFlags().String()))
	}))
	b.Run("supportkit-span", run(func() {
		wrapped.LogAttrs(withSpan, slog.LevelInfo, "order loaded", slog.String("order_id", "o-1"))
	}))
}
