package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/reporting"
)

// setupReporting wires package reporting: it returns the logger with the
// reporting core wrapped around it (error lines become events and carry
// their event_id), the HTTP middleware (per-request hub, panic recovery)
// and the function that flushes reports at shutdown.
//
// Reports go to Sentry when SENTRY_DSN is set, and to the outbox otherwise
// (or while Sentry cannot be reached): SUPPORTKIT_OUTBOX, by default
// <user cache dir>/supportkit/outbox. The outbox's path is logged at start.
func setupReporting(ctx context.Context, log *zap.Logger) (_ *zap.Logger, mw func(http.Handler) http.Handler, flush func(context.Context) error, err error) {
	dir := os.Getenv("SUPPORTKIT_OUTBOX")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("no outbox directory: set SUPPORTKIT_OUTBOX: %w", err)
		}
		dir = filepath.Join(cache, "supportkit", "outbox")
	}
	rep, err := reporting.Setup(reporting.WithOutbox(dir, 0), reporting.WithLogger(log))
	if err != nil {
		return nil, nil, nil, err
	}
	return log.WithOptions(zap.WrapCore(rep.WrapCore)), rep.Middleware, rep.Shutdown, nil
}

// report captures err for the request in ctx and returns the event ID, or
// "" when nothing was reported.
func report(ctx context.Context, err error) string { return reporting.Capture(ctx, err) }
