// Command tracing shows package tracing on its own: it serves two routes,
// calls them through a traced HTTP client, and prints the spans (console
// exporter, unless the OTEL_* variables say otherwise) and the log lines,
// which carry the same trace IDs.
//
//	go run ./examples/tracing
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 OTEL_TRACES_EXPORTER=otlp go run ./examples/tracing
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/tracing"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tracing example:", err)
		os.Exit(1)
	}
}

func run() error {
	log := zap.NewExample()
	ctx := context.Background()
	tp, err := tracing.Setup(ctx,
		tracing.WithServiceName("tracing-example"),
		tracing.WithExporter("console"), // OTEL_TRACES_EXPORTER wins
		tracing.WithLogger(log))
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		tracing.Logger(r.Context(), log).Info("order loaded", zap.String("order_id", r.PathValue("id")))
	})
	mux.HandleFunc("GET /charge", func(w http.ResponseWriter, r *http.Request) {
		err := errorsx.PermissionDenied.New("card declined", "amount", 42, "card", errorsx.Secret("4111111111111111"))
		tracing.RecordError(r.Context(), err) // the span: status error, exception event, no card number
		log.Warn("request failed", append(tracing.LogFields(r.Context()), errorsx.Zap(err))...)
		errorsx.WriteProblem(w, r, err, tracing.TraceID(r.Context()))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: tp.Middleware()(mux)}
	go func() { _ = srv.Serve(ln) }()

	// A traced client: each call is a client span, and the server's span
	// continues its trace.
	client := &http.Client{Transport: tp.Transport(nil)}
	for _, path := range []string{"/orders/1", "/charge"} {
		req, err := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+path, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		fmt.Printf("GET %s: %s\n", path, resp.Status)
	}

	// Stop serving first, then flush the spans.
	return errors.Join(srv.Shutdown(ctx), tp.Shutdown(ctx))
}
