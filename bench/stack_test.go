package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sentryhttp "github.com/getsentry/sentry-go/http"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/tracing"
)

// BenchmarkStack serves GET /orders/42 through the whole request path of
// each way of assembling it, the same mux behind both:
//
//   - peers: otelhttp.NewHandler(sentryhttp.Handle(mux)), assembled by
//     hand, an SDK tracer provider with a no-op exporter behind a
//     synchronous processor, and a sentry-go hub with a no-op transport;
//   - supportkit: supportkit.Setup with the same exporter and processor,
//     a reporter with a no-op transport, and Service.Handler(mux) (tracing,
//     reporting, the probe endpoints in front).
//
// Target: supportkit ≤ 1.0× peers, and fewer allocations.
func BenchmarkStack(b *testing.B) {
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_PROPAGATORS", "SENTRY_DSN"} {
		b.Setenv(k, "")
	}
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) }()

	mux := ordersMux()
	serve := func(h http.Handler) func(*testing.B) {
		return func(b *testing.B) {
			req := httptest.NewRequest("GET", "/orders/42", nil)
			w := nopWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		}
	}

	b.Run("peers", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discardExporter{})))
		defer tp.Shutdown(context.Background())
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
		hub := sentryHub(b)
		sentry.CurrentHub().BindClient(hub.Client())
		serve(otelhttp.NewHandler(sentryhttp.New(sentryhttp.Options{}).Handle(mux), "server"))(b)
	})

	b.Run("supportkit", func(b *testing.B) {
		sk, err := supportkit.Setup(context.Background(),
			supportkit.WithLogger(nil),
			supportkit.WithReporting(reporting.WithDSN(""), reporting.WithRelease("bench"),
				reporting.WithTransport(discardTransport{}), reporting.WithOutbox(b.TempDir(), 0)),
			supportkit.WithTracing(tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discardExporter{}))))
		if err != nil {
			b.Fatal(err)
		}
		defer sk.Shutdown(context.Background())
		serve(sk.Handler(mux))(b)
	})
}
