//go:build unix

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/tracing"
)

// flightrecMux is the example handler stack's core: a Go 1.22 mux with a
// JSON handler.
func flightrecMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			ID     string  `json:"id"`
			Status string  `json:"status"`
			Total  float64 `json:"total"`
		}{r.PathValue("id"), "shipped", 42.5})
	})
	return mux
}

// recorderSwitch is what the benchmark flips between sub-benchmarks: the
// recorder the middleware holds (nil: off) and whether it opens a task
// per request.
type recorderSwitch struct {
	rec   *flightrec.Recorder
	tasks bool
}

// flightrecMiddleware is the wiring a middleware does with a recorder
// (flightrec's ExampleRecorder_StartRequest): the route from the mux, a
// task per request with the request's trace ID, the slow check at the
// end.
func flightrecMiddleware(sw *recorderSwitch, mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := sw.rec
		start := time.Now()
		_, route := mux.Handler(r)
		if sw.tasks {
			id := tracing.TraceID(r.Context())
			if id == "" { // no tracing middleware in front: log one all the same
				id = "4bf92f3577b34da6a3ce929d0e0e4736"
			}
			ctx, end := rec.StartRequest(r.Context(), route, id)
			defer end()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
		if d := time.Since(start); rec.Slow(route, d) {
			rec.Trigger(flightrec.KindSlow, fmt.Sprintf("%s took %v", route, d))
		}
	})
}

// BenchmarkFlightRecorder serves GET /orders/42 through the example
// handler stack with the recorder
//
//   - off: the middleware holds a nil recorder (a service that did not opt
//     in);
//   - window: the recorder on (the runtime records the execution trace
//     window) but no task per request: what the window alone costs;
//   - on: the recorder on, and each request opens a task named by its
//     route and logs its trace ID: three runtime trace events.
//
// The stacks:
//
//   - mux: the mux and its JSON handler, in process (httptest.NewRecorder):
//     no network, no scheduling, no span, so the three events are the
//     largest share of a request they can ever be;
//   - stack: the example service's stack in process:
//     tracing.Middleware(reporting middleware(flight recorder(mux))), with
//     the OpenTelemetry SDK and a no-op exporter;
//   - server: the mux over HTTP/1.1 on 127.0.0.1 with keep-alive, as a load
//     balancer's requests arrive: the runtime also traces network polling
//     and goroutine switches, the client's as well as the server's (both
//     run in this process, so the window costs about twice what it would
//     in a service).
//
// Target: on ≤ 1.05× off. Besides ns/op, each reports cpu-ns/op: the
// process's CPU time (user and system, all threads: the runtime's trace
// reader, the server's goroutines, GC) per request, which is what bounds
// throughput and which, unlike ns/op, other processes' load on the machine
// barely moves. Alternate the variants in rounds of -count 1 (see README).
func BenchmarkFlightRecorder(b *testing.B) {
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_PROPAGATORS"} {
		b.Setenv(k, "")
	}
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) }()
	shutdownTracing, err := tracing.Setup(context.Background(),
		tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discardExporter{})))
	if err != nil {
		b.Fatal(err)
	}
	defer shutdownTracing.Shutdown(context.Background())

	sw := &recorderSwitch{}
	mux := flightrecMux()
	bare := flightrecMiddleware(sw, mux, mux)
	stack := tracing.Middleware(tracing.WithRouter(mux))(
		supportkitReporter(b).Middleware(flightrecMiddleware(sw, mux, mux)))

	inProcess := func(h http.Handler) func(*testing.B) {
		return func(b *testing.B) {
			req := httptest.NewRequest("GET", "/orders/42", nil)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		}
	}
	srv := httptest.NewServer(bare)
	defer srv.Close()
	client := srv.Client()
	overHTTP := func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			resp, err := client.Get(srv.URL + "/orders/42")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	}

	for _, s := range []struct {
		name  string
		bench func(*testing.B)
	}{
		{"mux", inProcess(bare)},
		{"stack", inProcess(stack)},
		{"server", overHTTP},
	} {
		b.Run(s.name+"/off", s.bench)
		for _, mode := range []struct {
			name  string
			tasks bool
		}{{"window", false}, {"on", true}} {
			b.Run(s.name+"/"+mode.name, func(b *testing.B) {
				rec, err := flightrec.Setup(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				defer func() {
					*sw = recorderSwitch{}
					if err := rec.Shutdown(context.Background()); err != nil {
						b.Fatal(err)
					}
				}()
				if !rec.Tracing() {
					b.Fatal("the flight recorder is not tracing")
				}
				*sw = recorderSwitch{rec: rec, tasks: mode.tasks}
				s.bench(b)
			})
		}
	}
}

// reportCPU starts measuring the process's CPU time; the function it
// returns reports it per operation as cpu-ns/op.
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFlightRecorderSlowCheck is the check every request pays at its
// end: a fast request on a route with a threshold of its own and on one
// without. Target: ≤ 50 ns, 0 allocs.
func BenchmarkFlightRecorderSlowCheck(b *testing.B) {
	rec, err := flightrec.Setup(context.Background(),
		flightrec.WithRouteThreshold("GET /export", 30*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Shutdown(context.Background())
	for _, route := range []string{"GET /export", "GET /orders/{id}"} {
		b.Run(route, func(b *testing.B) {
			b.ReportAllocs()
			slow := 0
			for b.Loop() {
				if rec.Slow(route, 3*time.Millisecond) {
					slow++
				}
			}
			if slow != 0 {
				b.Fatalf("a 3 ms request on %s was slow", route)
			}
		})
	}
}
