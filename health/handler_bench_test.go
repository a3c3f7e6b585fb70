package health_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/supportkit/supportkit/health"
)

// BenchmarkHandler measures the probe handler on its fast path (plain)
// and its slow paths; bench/ compares the fast path with the peers.
func BenchmarkHandler(b *testing.B) {
	r := setup(b)
	for _, name := range []string{"db", "cache", "queue"} {
		if err := r.Register(name, health.CheckFunc(func(context.Context) error { return nil }), health.Every(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	for s := r.Snapshot(); s.Status(health.Readiness) != health.StatusPass; s = r.Snapshot() {
		<-s.Next()
	}
	h := r.Handler(health.Readiness)
	for _, target := range []string{"/readyz", "/readyz?exclude=cache", "/readyz?verbose"} {
		b.Run(target, func(b *testing.B) {
			req := httptest.NewRequest("GET", target, nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
