package health_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/supportkit/supportkit/health"
)

func Example() {
	r := health.New()
	// A critical dependency, checked every 5 s, each run bounded to 1 s.
	_ = r.Register("db", health.CheckFunc(func(ctx context.Context) error {
		return nil // e.g. db.PingContext(ctx)
	}), health.Every(5*time.Second), health.Timeout(time.Second))
	// A dependency the service can live without: its failure is a warning.
	_ = r.Register("cache", health.CheckFunc(func(ctx context.Context) error {
		return errors.New("cache unreachable")
	}), health.NonCritical())
	if err := r.Start(context.Background()); err != nil {
		panic(err)
	}
	defer r.Stop(context.Background())
	waitForResults(r)

	mux := http.NewServeMux()
	r.Handle(mux) // /livez /readyz /startupz /healthz, and OPTIONS /
	for _, path := range []string{"/readyz", "/readyz/db", "/readyz?exclude=cache"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Printf("%s %d %s", path, w.Code, w.Body)
	}
	// Output:
	// /readyz 200 warn
	// /readyz/db 200 pass
	// /readyz?exclude=cache 200 pass
}

// The results, with counters and durations, are readable from Go, e.g. to
// export them as metrics.
func ExampleSnapshot_Results() {
	r := health.New()
	_ = r.Register("db", health.CheckFunc(func(ctx context.Context) error { return nil }))
	_ = r.Start(context.Background())
	defer r.Stop(context.Background())
	waitForResults(r)

	for _, res := range r.Snapshot().Results() {
		fmt.Println(res.Name, res.Status, res.Runs, res.Failures, res.Duration < time.Second)
	}
	// Output: db pass 1 0 true
}

// Drain takes the process out of the load balancer's rotation, waits, and
// shuts the server down gracefully.
func ExampleRegistry_Drain() {
	r := health.New(health.WithDrainDelay(10 * time.Millisecond))
	_ = r.Start(context.Background())
	srv := &http.Server{Addr: "127.0.0.1:0"}
	// On SIGTERM:
	err := r.Drain(context.Background(), srv)
	fmt.Println(err, r.Snapshot().Status(health.Readiness), r.Snapshot().Status(health.Liveness))
	// Output: <nil> fail pass
}

func waitForResults(r *health.Registry) {
	for {
		s := r.Snapshot()
		pending := false
		for _, res := range s.Results() {
			pending = pending || res.Pending
		}
		if !pending {
			return
		}
		<-s.Next()
	}
}
