// Command reporting is the smallest program that reports to Sentry with
// supportkit: a handler that panics, an error captured with its context,
// and error log lines, from zap and from log/slog, that become events.
// Without SENTRY_DSN the events land in an outbox directory, printed at
// the end, with the reporter's counters (Replayed counts those an earlier
// run left there and this one sent).
//
//	go run ./examples/reporting
//	SENTRY_DSN=https://key@o0.ingest.sentry.io/0 go run ./examples/reporting
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "reporting example:", err)
		os.Exit(1)
	}
}

func run() error {
	log, err := zap.NewDevelopment()
	if err != nil {
		return err
	}
	outbox := filepath.Join(os.TempDir(), "supportkit-example-outbox")
	ctx := context.Background()
	rep, err := reporting.Setup(ctx, reporting.WithOutbox(outbox, 0), reporting.WithLogger(log))
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rep.Shutdown(ctx) // flushes; undelivered events stay in the outbox
	}()
	// Error lines become events and carry their event_id.
	log = log.WithOptions(zap.WrapCore(rep.WrapCore))

	// 1. A handler panics: the middleware answers 500 problem+json with
	// the event ID as reference.
	h := rep.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Info("loading order", reporting.LogContext(r.Context())) // a breadcrumb
		var prices map[string]int
		prices["coffee"] = 3 // assignment to entry in nil map
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/orders/1", nil))
	fmt.Printf("panic answered %d: %s", w.Code, w.Body)

	// 2. An error captured with the context of a unit of work.
	ctx = rep.Bind(ctx)
	reporting.SetTag(ctx, "job", "nightly-export")
	err = errorsx.Unavailable.New("export bucket unreachable", "bucket", "exports")
	fmt.Println("captured event", reporting.Capture(ctx, errorsx.Internal.Wrap(err, "nightly export")))

	// 3. An error log line: an event whose stack is the error's own.
	log.Error("export failed", reporting.LogContext(ctx), errorsx.Zap(errorsx.Internal.New("disk full")))

	// 4. The same with log/slog: records of ctx become its breadcrumbs,
	// an error record an event, and the line passed on names it.
	slogger := slog.New(rep.SlogHandler(slog.NewJSONHandler(os.Stdout, nil)))
	slogger.InfoContext(ctx, "retrying export", "attempt", 2)
	slogger.ErrorContext(ctx, "export failed again", errorsx.Attr(errorsx.Internal.New("disk still full")))

	_ = rep.Flush(context.Background())
	fmt.Printf("stats: %+v\noutbox: %s\n", rep.Stats(), rep.OutboxDir())
	return nil
}
