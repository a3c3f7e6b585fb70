//go:build !race

// The race detector allocates on its own, so allocation counts are only
// checked without it. The figures against peers are in bench/.

package reporting_test

import (
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
