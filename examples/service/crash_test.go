package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/reporting"
)

// TestCrashRouteOnlyWithMonitor: without a crash monitor, POST /crash is
// not served and the service runs on.
func TestCrashRouteOnlyWithMonitor(t *testing.T) {
	t.Setenv("OTEL_SDK_DISABLED", "true")
	sk, err := supportkit.Setup(context.Background(), supportkit.WithLogger(nil),
		supportkit.WithReporting(reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sk.Shutdown(context.Background()) })
	a := &app{sk: sk, orders: map[string]order{}}
	mux := http.NewServeMux()
	a.routes(mux, nil)
	for path, want := range map[string]int{"/crash": http.StatusNotFound, "/hello": http.StatusOK} {
		method := http.MethodGet
		if path == "/crash" {
			method = http.MethodPost
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		if rec.Code != want {
			t.Errorf("%s %s = %d, want %d", method, path, rec.Code, want)
		}
	}
}
