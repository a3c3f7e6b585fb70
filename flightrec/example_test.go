package flightrec_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/supportkit/supportkit/flightrec"
)

func Example() {
	ctx := context.Background()
	rec, err := flightrec.Setup(ctx, flightrec.WithSlowThreshold(time.Second))
	if err != nil {
		panic(err)
	}
	defer rec.Shutdown(ctx)

	// A request that took 1.5 s, found slow at its end.
	const route = "GET /orders/{id}"
	reqCtx, end := rec.StartRequest(ctx, route, "4bf92f3577b34da6a3ce929d0e0e4736")
	_ = reqCtx // the handler runs with it
	end()
	if d := 1500 * time.Millisecond; rec.Slow(route, d) {
		snap := rec.Trigger(flightrec.KindSlow, fmt.Sprintf("%s took %v", route, d))
		ts := snap.Time.UTC().Format("20060102T150405Z")
		for _, a := range snap.Attachments {
			fmt.Println(strings.Replace(a.Filename, ts, "<ts>", 1), a.ContentType)
		}
	}
	// A second slow request within 5 minutes gets no snapshot.
	fmt.Println(rec.Trigger(flightrec.KindSlow, "again") == nil)
	// Output:
	// snapshot-<ts>.txt text/plain
	// trace-<ts>.out application/octet-stream
	// goroutines-<ts>.txt text/plain
	// goroutines-<ts>.pb.gz application/octet-stream
	// heap-<ts>.pb.gz application/octet-stream
	// true
}

// The shape of the middleware that wires a recorder into a handler stack:
// a task per request, and a snapshot when the request is slow. (The
// supportkit packages' middleware does this, with the route and trace ID
// they already know; a panic or a reported 5xx triggers the same way.)
func ExampleRecorder_StartRequest() {
	ctx := context.Background()
	rec, err := flightrec.Setup(ctx, flightrec.WithRouteThreshold("GET /slow", 10*time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer rec.Shutdown(ctx)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) { time.Sleep(20 * time.Millisecond) })
	mux.HandleFunc("GET /fast", func(w http.ResponseWriter, r *http.Request) {})

	// A middleware outside the mux asks it for the route up front: the
	// task's name is fixed when the task opens.
	middleware := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			_, route := mux.Handler(r)
			ctx, end := rec.StartRequest(r.Context(), route, r.Header.Get("X-Trace-Id"))
			defer end()
			next.ServeHTTP(w, r.WithContext(ctx))
			if d := time.Since(start); rec.Slow(route, d) {
				if snap := rec.Trigger(flightrec.KindSlow, fmt.Sprintf("%s took %v", route, d)); snap != nil {
					fmt.Printf("%s: a snapshot of %d files\n", route, len(snap.Attachments))
				}
			}
		})
	}
	h := middleware(mux)
	for _, path := range []string{"/fast", "/slow", "/slow"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	// Output:
	// GET /slow: a snapshot of 5 files
}
