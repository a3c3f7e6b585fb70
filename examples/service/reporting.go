package main

import (
	"context"
	"net/http"
	"os"

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
// reporting's own, <user cache dir>/supportkit/outbox/<executable name>.
// The outbox's path is logged at start.
func setupReporting(ctx context.Context, log *zap.Logger) (_ *zap.Logger, mw func(http.Handler) http.Handler, flush func(context.Context) error, err error) {
	rep, err := reporting.Setup(ctx, reporting.WithOutbox(os.Getenv("SUPPORTKIT_OUTBOX"), 0), reporting.WithLogger(log))
	if err != nil {
		return nil, nil, nil, err
	}
	return log.WithOptions(zap.WrapCore(rep.WrapCore)), rep.Middleware, rep.Shutdown, nil
}

// report captures err for the request in ctx and returns the event ID, or
// "" when nothing was reported.
func report(ctx context.Context, err error) string { return reporting.Capture(ctx, err) }
