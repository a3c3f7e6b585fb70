package checks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/checks"
)

func Example() {
	payments := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer payments.Close()
	client := &http.Client{Timeout: 5 * time.Second} // the application's own client
	defer client.CloseIdleConnections()

	r, err := health.Setup(context.Background(),
		health.WithCheck("payments", checks.HTTPGet(client, payments.URL), health.Every(5*time.Second)),
		health.WithCheck("goroutines", checks.Goroutines(100_000), health.For(health.Liveness)))
	if err != nil {
		panic(err)
	}
	defer r.Shutdown(context.Background())

	for s := r.Snapshot(); ; s = r.Snapshot() {
		if res, _ := s.Result("payments"); !res.Pending {
			fmt.Println("payments:", res.Status)
			return
		}
		<-s.Next()
	}
	// Output: payments: pass
}
