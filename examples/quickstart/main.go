// Command quickstart is the README's quick start: a service wired with one
// supportkit.Setup call.
//
//	go run ./examples/quickstart   # listens on 127.0.0.1:8081
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/errorsx"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	// Reporting (SENTRY_*), tracing (OTEL_*), health, the logger.
	sk, err := supportkit.Setup(ctx, supportkit.WithServiceName("orders"))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		o, err := findOrder(r.Context(), r.PathValue("id"))
		if err != nil {
			sk.Fail(w, r, err) // report (5xx), span, one log line, problem+json
			return
		}
		sk.Log(r.Context()).Info("order found", zap.String("order_id", o["id"]))
		_ = json.NewEncoder(w).Encode(o)
	})
	// Serves mux with the probes, until SIGTERM: then drains and flushes.
	return sk.ListenAndServe(ctx, addr(), mux)
}

func findOrder(_ context.Context, id string) (map[string]string, error) {
	if id != "1" {
		return nil, errorsx.NotFound.New("order not found", "order_id", id)
	}
	return map[string]string{"id": id}, nil
}

func addr() string {
	if a := os.Getenv("ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:8081"
}
