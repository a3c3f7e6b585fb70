package supportkit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// ExampleWithFlightRecorder turns the flight recorder on: a request slower
// than a second gets a warning event with the last seconds of execution
// attached, as do panics, reported 5xx and readiness turning to fail.
func ExampleWithFlightRecorder() {
	dir, _ := os.MkdirTemp("", "supportkit-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	sk, err := supportkit.Setup(ctx,
		supportkit.WithFlightRecorder(
			flightrec.WithSlowThreshold(time.Second),                    // slower than 1s is slow
			flightrec.WithRouteThreshold("GET /export", 30*time.Second), // but an export may take 30s
		),
		supportkit.WithReporting(reporting.WithDSN(""), reporting.WithOutbox(dir, 0)),
		supportkit.WithLogger(nil),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sk.Shutdown(ctx)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(1100 * time.Millisecond) // a slow dependency
	})
	sk.Handler(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/report", nil))

	// An explicit snapshot, from an admin endpoint say:
	id := sk.Snapshot(ctx, "asked for by support")

	_ = sk.Reporter().Flush(ctx)
	envs, _ := filepath.Glob(filepath.Join(dir, "*"+outbox.Suffix))
	fmt.Println(id != "", len(envs), "events in the outbox")
	// Output: true 2 events in the outbox
}
