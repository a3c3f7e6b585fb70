package reporting_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestMiddlewareRouteComesBackUp: an outer middleware (as tracing's or a
// metrics middleware) reads the route the mux matched on the request it
// passed down, once the reporting middleware returns: for a request that
// went well, one that panicked (answered 500 by the middleware) and one
// that matched no route.
func TestMiddlewareRouteComesBackUp(t *testing.T) {
	rec := reportingtest.New(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /panic/{kind}", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok")) // the response has started: the middleware aborts
		panic("late boom")
	})
	inner := rec.Reporter().Middleware(mux)

	type seen struct {
		Status  int
		Pattern string
	}
	for _, tt := range []struct {
		path string
		want seen
	}{
		{"/orders/7", seen{http.StatusOK, "GET /orders/{id}"}},
		{"/panic/string", seen{http.StatusInternalServerError, "GET /panic/{kind}"}},
		{"/late", seen{http.StatusOK, "GET /late"}},
		{"/nowhere", seen{http.StatusNotFound, ""}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			var got seen
			// The stand-in for an outer tracing middleware: it names the
			// span after r.Pattern once next has returned (or panicked).
			outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer func() {
					got.Pattern = r.Pattern
					if v := recover(); v != nil && v != http.ErrAbortHandler { //nolint:errorlint // as net/http compares it
						t.Errorf("panic %v escaped the reporting middleware", v)
					}
				}()
				inner.ServeHTTP(w, r)
			})
			w := httptest.NewRecorder()
			outer.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
			got.Status = w.Code
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("what the outer middleware saw mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
