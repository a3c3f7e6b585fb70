package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/supportkit/supportkit/metrics"
)

// BenchmarkMetrics serves GET /orders/42 through a Go 1.22 mux, with
// request metrics and no tracing:
//
//   - bare: the mux alone;
//   - otelhttp: otelhttp.NewHandler(mux, "server") with its own metrics
//     (http.server.request.duration, request and response body sizes,
//     active requests) to an SDK meter provider whose one reader is the
//     Prometheus exporter, and a no-op tracer provider;
//   - supportkit: metrics.Setup's Middleware with the same pipeline (the
//     Prometheus reader, which Setup creates when nothing is configured;
//     runtime metrics off, as they cost nothing per request);
//   - supportkit-disabled, supportkit-none: Middleware after Setup with
//     OTEL_SDK_DISABLED=true, or OTEL_METRICS_EXPORTER=none;
//   - -parallel: the same from GOMAXPROCS goroutines at once.
//
// Targets: supportkit ≤ 1.0× otelhttp; supportkit-disabled and
// supportkit-none ≤ 1.05× bare.
func BenchmarkMetrics(b *testing.B) {
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_METRIC_EXPORT_INTERVAL"} {
		b.Setenv(k, "")
	}
	prevMP := otel.GetMeterProvider()
	defer otel.SetMeterProvider(prevMP)

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

	parallel := func(h http.Handler) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", "/orders/42", nil)
				for pb.Next() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Errorf("status %d", w.Code)
						return
					}
				}
			})
		}
	}

	b.Run("bare", serve(mux))

	exp, err := otelprom.New(otelprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		b.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	defer mp.Shutdown(context.Background())
	peer := otelhttp.NewHandler(mux, "server",
		otelhttp.WithMeterProvider(mp), otelhttp.WithTracerProvider(tracenoop.NewTracerProvider()))
	b.Run("otelhttp", serve(peer))
	b.Run("otelhttp-parallel", parallel(peer))

	prov, err := metrics.Setup(context.Background(), metrics.WithRuntimeMetrics(false))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("supportkit", serve(prov.Middleware()(mux)))
	b.Run("supportkit-parallel", parallel(prov.Middleware()(mux)))
	if err := prov.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}

	for _, off := range []struct{ name, env, value string }{
		{"supportkit-disabled", "OTEL_SDK_DISABLED", "true"},
		{"supportkit-none", "OTEL_METRICS_EXPORTER", "none"},
	} {
		b.Setenv(off.env, off.value)
		prov, err := metrics.Setup(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(off.name, serve(prov.Middleware()(mux)))
		_ = prov.Shutdown(context.Background())
		b.Setenv(off.env, "")
	}
	// The mux alone again, in the same state of the heap as the off
	// cases: compare them with this one, not with the first bare run.
	b.Run("bare-after", serve(mux))
}
