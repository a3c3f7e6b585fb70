package health_test

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the bodies the tests get")

// TestJSONGolden compares whole health+json documents with
// testdata/<name>.golden (go test -run TestJSONGolden -update rewrites
// them). It runs in a synctest bubble, whose clock starts at
// 2000-01-01T00:00:00Z and moves only while every goroutine waits, so the
// times and durations are exact.
func TestJSONGolden(t *testing.T) {
	dbDown := errorsx.Unavailable.New("sql ping: connection refused", "addr", "db:5432", "password", errorsx.Secret("hunter2"))
	cacheDown := errorsx.Unavailable.New("http get: unexpected status", "url", "http://cache/", "status", 503)
	tests := []struct {
		name           string
		dbErr, cacheEr error
		goroutines     float64
		details        bool
	}{
		{"pass", nil, nil, 42, true},
		{"warn", nil, cacheDown, 42, true},
		{"fail", dbDown, cacheDown, 200_000, true},
		{"fail-public", dbDown, cacheDown, 200_000, false}, // no output, links, affectedEndpoints
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				db := health.CheckFunc(func(context.Context) error {
					time.Sleep(1500 * time.Microsecond)
					return tt.dbErr
				})
				cache := health.CheckFunc(func(context.Context) error {
					time.Sleep(250 * time.Microsecond)
					return tt.cacheEr
				})
				goroutines := health.MeasureFunc(func(context.Context) (health.Observation, error) {
					obs := health.Observation{Measurement: "count", Value: tt.goroutines, Unit: "goroutines"}
					if tt.goroutines > 100_000 {
						return obs, errorsx.FailedPrecondition.New("goroutine count above threshold", "max", 100_000)
					}
					return obs, nil
				})
				must := func(err error) {
					t.Helper()
					if err != nil {
						t.Fatal(err)
					}
				}
				r, err := health.Setup(context.Background(),
					health.WithService(health.Service{ID: "example.com/shop", Version: "1", ReleaseID: "1.4.2", Description: "shop: orders and payments"}),
					health.WithDetails(func(*http.Request) bool { return tt.details }),
					health.WithCheck("db", db, health.Every(time.Hour), health.Describe(health.Component{
						Type:              "datastore",
						AffectedEndpoints: []string{"/orders/{id}"},
						Links:             map[string]string{"runbook": "https://runbooks.example.com/db"},
					})),
					health.WithCheck("cache", cache, health.Every(time.Hour), health.NonCritical()),
					health.WithCheck("goroutines", goroutines, health.Every(time.Hour), health.For(health.Liveness),
						health.Describe(health.Component{Type: "system"})),
				)
				must(err)
				time.Sleep(time.Second) // every check has run once
				w := serve(r.Handler(health.Liveness|health.Readiness), "GET", "/healthz?verbose", nil)
				must(r.Shutdown(context.Background()))

				if got, want := w.Header().Get("Content-Type"), "application/health+json"; got != want {
					t.Errorf("Content-Type %q, want %q", got, want)
				}
				golden := filepath.Join("testdata", tt.name+".golden")
				if *update {
					must(os.WriteFile(golden, w.Body.Bytes(), 0o644))
				}
				want, err := os.ReadFile(golden)
				must(err)
				if diff := cmp.Diff(string(want), w.Body.String()); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
				}
			})
		})
	}
}
