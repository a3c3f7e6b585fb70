package flightrec_test

import (
	"context"
	"testing"
	"time"

	"github.com/supportkit/supportkit/flightrec"
)

// BenchmarkStartRequest is what a request pays for its task: on, a task
// opened, its trace ID logged and the task ended; off, nothing.
func BenchmarkStartRequest(b *testing.B) {
	ctx := context.Background()
	run := func(r *flightrec.Recorder) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, end := r.StartRequest(ctx, "GET /orders/{id}", "4bf92f3577b34da6a3ce929d0e0e4736")
				end()
			}
		}
	}
	b.Run("off", run(nil))
	r := setup(b)
	b.Run("on", run(r))
}

// BenchmarkSlow is the check on a fast request: target ≤ 50 ns, 0 allocs.
func BenchmarkSlow(b *testing.B) {
	r := setup(b, flightrec.WithRouteThreshold("GET /export", 30*time.Second))
	b.ReportAllocs()
	for b.Loop() {
		r.Slow("GET /orders/{id}", 3*time.Millisecond)
	}
}
