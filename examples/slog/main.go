// Command slog is a service that logs with log/slog only: supportkit
// wires reporting, tracing, health and metrics around the application's
// own slog handler, and no zap import is needed.
//
//	go run ./examples/slog   # listens on 127.0.0.1:8082 (ADDR to change)
//
// Try GET /orders/1 (200), /orders/42 (404, a warn line with the trace
// ID as reference), /fail (500, an error line with the Sentry event ID).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"

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
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{AddSource: true}))
	sk, err := supportkit.Setup(ctx, supportkit.WithServiceName("orders-slog"), supportkit.WithSlogLogger(log))
	if err != nil {
		return err
	}
	log = sk.SlogLogger() // trace IDs on request lines, breadcrumbs, events
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		log.InfoContext(r.Context(), "looking up order", "order_id", id)
		if id != "1" {
			sk.Fail(w, r, errorsx.NotFound.New("order not found", "order_id", id))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		sk.Fail(w, r, errorsx.Unavailable.New("inventory refused the connection", "dependency", "inventory"))
	})
	return sk.ListenAndServe(ctx, addr(), mux)
}

func addr() string {
	if a := os.Getenv("ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:8082"
}
