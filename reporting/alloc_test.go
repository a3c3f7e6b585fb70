//go:build !race

// The race detector allocates on its own, so allocation counts are only
// checked without it. The figures against peers are in bench/.

package reporting_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/supportkit/supportkit/reporting/reportingtest"
)

type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header       { return w.h }
func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nopWriter) WriteHeader(int)             {}

var okBody = []byte("ok")

// TestMiddlewareNoPanicAllocations: a request that goes well costs the
// middleware two allocations (its context and the request's shallow
// copy), also when the handler writes its response.
func TestMiddlewareNoPanicAllocations(t *testing.T) {
	rec := reportingtest.New(t)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(okBody)
	}))
	req := httptest.NewRequest("GET", "/orders/1", nil)
	w := nopWriter{h: http.Header{}}
	if got := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) }); got > 2 {
		t.Errorf("%v allocations per request, want at most 2", got)
	}
}

// TestSlogHandlerAllocations: a record outside any request costs the
// reporting handler nothing beyond slog's JSON handler, and so does a
// request's info record, which becomes a breadcrumb, once the request's
// ring of breadcrumbs has grown: the sentry breadcrumb and its data are
// made only when an event is.
func TestSlogHandlerAllocations(t *testing.T) {
	rec := reportingtest.New(t)
	log := slog.New(rec.Reporter().SlogHandler(slog.NewJSONHandler(io.Discard, nil)))
	plain := context.Background()
	if got := testing.AllocsPerRun(200, func() { log.InfoContext(plain, "charging card", "order", "o-1") }); got > 0 {
		t.Errorf("%v allocations per record outside a request, want 0", got)
	}
	bound := rec.Reporter().Bind(context.Background())
	for range 100 {
		log.InfoContext(bound, "charging card", "order", "o-1")
	}
	if got := testing.AllocsPerRun(200, func() { log.InfoContext(bound, "charging card", "order", "o-1") }); got > 0 {
		t.Errorf("%v allocations per breadcrumb record, want 0", got)
	}
}
