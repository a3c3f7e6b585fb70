package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/supportkit/supportkit/flightrec"
)

// flightrecMux is the example handler stack's shape: a Go 1.22 mux with a
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

// flightrecMiddleware is the wiring the middleware does when a recorder
// is set (flightrec's ExampleRecorder_StartRequest): the route from the
// mux, a task per request with its trace ID, the slow check at the end.
func flightrecMiddleware(recorder func() (rec *flightrec.Recorder, tasks bool), mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, tasks := recorder()
		start := time.Now()
		_, route := mux.Handler(r)
		ctx := r.Context()
		if tasks {
			var end func()
			ctx, end = rec.StartRequest(ctx, route, "4bf92f3577b34da6a3ce929d0e0e4736")
			defer end()
		}
		mux.ServeHTTP(w, r.WithContext(ctx))
		if d := time.Since(start); rec.Slow(route, d) {
			rec.Trigger(flightrec.KindSlow, fmt.Sprintf("%s took %v", route, d))
		}
	})
}

// BenchmarkFlightRecorder serves GET /orders/42 through the example
// handler stack, with the recorder off (the middleware holds a nil
// recorder: what a service that did not opt in runs), on (the runtime
// records the execution trace window; each request opens a task and logs
// its trace ID: three trace events), and window (the recorder on, but no
// task per request: what the window alone costs):
//
//   - handler: in process, through httptest.NewRecorder: no network, no
//     scheduling, so the three events per request are the largest share
//     they can ever be of a request's cost;
//   - server: over HTTP/1.1 on 127.0.0.1 with keep-alive, as a load
//     balancer's requests arrive: the runtime also traces the network
//     polling and the goroutine switches.
//
// Target: on ≤ 1.05× off. Alternate the variants in rounds of -count 1
// (see README): the machine's load changes faster than a long run.
func BenchmarkFlightRecorder(b *testing.B) {
	mux := flightrecMux()
	var rec *flightrec.Recorder
	var tasks bool
	handler := flightrecMiddleware(func() (*flightrec.Recorder, bool) { return rec, tasks }, mux)
	inProcess := func(b *testing.B) {
		req := httptest.NewRequest("GET", "/orders/42", nil)
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()
	client := srv.Client()
	overHTTP := func(b *testing.B) {
		b.ReportAllocs()
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
	on := func(withTasks bool, bench func(*testing.B)) func(*testing.B) {
		return func(b *testing.B) {
			r, err := flightrec.Setup(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if !r.Tracing() {
				b.Fatal("the flight recorder is not tracing")
			}
			rec, tasks = r, withTasks
			defer func() {
				rec, tasks = nil, false
				if err := r.Shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
			}()
			bench(b)
		}
	}
	b.Run("handler/off", inProcess)
	b.Run("handler/window", on(false, inProcess))
	b.Run("handler/on", on(true, inProcess))
	b.Run("server/off", overHTTP)
	b.Run("server/window", on(false, overHTTP))
	b.Run("server/on", on(true, overHTTP))
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
