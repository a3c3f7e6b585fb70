package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	sentryhttp "github.com/getsentry/sentry-go/http"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
)

// discardTransport is a sentry.Transport that drops events: the benchmarks
// measure what the caller pays, not the network.
type discardTransport struct{}

func (discardTransport) Configure(sentry.ClientOptions)        {}
func (discardTransport) SendEvent(*sentry.Event)               {}
func (discardTransport) Flush(time.Duration) bool              { return true }
func (discardTransport) FlushWithContext(context.Context) bool { return true }
func (discardTransport) Close()                                {}

// nopWriter is a ResponseWriter that costs nothing, so that the
// middleware's own cost shows.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header       { return w.h }
func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nopWriter) WriteHeader(int)             {}

func sentryHub(tb testing.TB) *sentry.Hub {
	client, err := sentry.NewClient(sentry.ClientOptions{Transport: discardTransport{}, Release: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(client.Close)
	return sentry.NewHub(client, sentry.NewScope())
}

func supportkitReporter(tb testing.TB, opts ...reporting.Option) *reporting.Reporter {
	rep, err := reporting.Setup(context.Background(), append([]reporting.Option{
		reporting.WithDSN(""), reporting.WithRelease("bench"), reporting.WithTransport(discardTransport{}),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = rep.Shutdown(context.Background()) })
	return rep
}

// BenchmarkMiddlewareNoPanic: a request that goes well, through each
// library's HTTP middleware.
func BenchmarkMiddlewareNoPanic(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	hub := sentryHub(b)
	sentry.CurrentHub().BindClient(hub.Client())
	cases := []struct {
		name string
		h    func(testing.TB) http.Handler
	}{
		{"bare", func(testing.TB) http.Handler { return ok }},
		{"sentryhttp", func(testing.TB) http.Handler { return sentryhttp.New(sentryhttp.Options{}).Handle(ok) }},
		{"supportkit", func(tb testing.TB) http.Handler { return supportkitReporter(tb).Middleware(ok) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := c.h(b)
			req := httptest.NewRequest("GET", "/orders/1", nil)
			w := nopWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkCapture: what the caller of a capture pays on its own
// goroutine. sentry-go builds the event there; supportkit hands raw
// material to its reporter's goroutine.
func BenchmarkCapture(b *testing.B) {
	err := errorsx.Internal.Wrap(errorsx.Unavailable.New("connection refused", "host", "db-1"), "load order", "order_id", 42)
	b.Run("sentry", func(b *testing.B) {
		hub := sentryHub(b)
		sentry.CurrentHub().BindClient(hub.Client())
		b.ReportAllocs()
		for b.Loop() {
			sentry.CaptureException(err)
		}
	})
	b.Run("supportkit", func(b *testing.B) {
		// Storm control off: every capture is a new event.
		rep := supportkitReporter(b, reporting.WithStormLimit(1e12, 1<<30))
		ctx := rep.Bind(context.Background())
		b.ReportAllocs()
		for b.Loop() {
			rep.Capture(ctx, err)
		}
	})
}

// BenchmarkStorm captures one error a million times per operation, with
// the default storm control, and reports how many events went out and how
// much memory the storm held.
func BenchmarkStorm(b *testing.B) {
	const captures = 1_000_000
	err := errorsx.Internal.New("database is down")
	rep := supportkitReporter(b)
	ctx := rep.Bind(context.Background())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for range captures {
			rep.Capture(ctx, err)
		}
	}
	b.StopTimer()
	_ = rep.Flush(context.Background())
	runtime.GC()
	runtime.ReadMemStats(&after)
	st := rep.Stats()
	b.ReportMetric(float64(st.Sent)/float64(b.N), "events_sent/op")
	b.ReportMetric(float64(st.Suppressed)/float64(b.N), "suppressed/op")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)), "heap_growth_B")
}

// BenchmarkLogInfo: an info line of a request, through zap alone and
// through zap wrapped by the reporting core (which also records it as a
// breadcrumb of the request).
func BenchmarkLogInfo(b *testing.B) {
	newCore := func() zapcore.Core {
		return zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
	}
	b.Run("zap", func(b *testing.B) {
		log := zap.New(newCore())
		b.ReportAllocs()
		for b.Loop() {
			log.Info("charging card", zap.String("order", "o-1"))
		}
	})
	b.Run("supportkit", func(b *testing.B) {
		rep := supportkitReporter(b)
		ctx := rep.Bind(context.Background())
		log := zap.New(newCore()).WithOptions(zap.WrapCore(rep.WrapCore)).With(reporting.LogContext(ctx))
		b.ReportAllocs()
		for b.Loop() {
			log.Info("charging card", zap.String("order", "o-1"))
		}
	})
}

// BenchmarkSlogInfo: an info line of a request, through slog's JSON
// handler alone and through the reporting handler around it (which also
// records it as a breadcrumb of the request). The target is at most 1.5x
// the JSON handler's time.
func BenchmarkSlogInfo(b *testing.B) {
	newJSON := func() slog.Handler { return slog.NewJSONHandler(io.Discard, nil) }
	b.Run("slog.JSONHandler", func(b *testing.B) {
		log := slog.New(newJSON())
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			log.InfoContext(ctx, "charging card", "order", "o-1")
		}
	})
	b.Run("supportkit", func(b *testing.B) {
		rep := supportkitReporter(b)
		ctx := rep.Bind(context.Background())
		log := slog.New(rep.SlogHandler(newJSON()))
		b.ReportAllocs()
		for b.Loop() {
			log.InfoContext(ctx, "charging card", "order", "o-1")
		}
	})
}
