package main

import (
	"context"
	"net/http"

	"go.uber.org/zap"
)

// setupReporting wires package reporting: it returns the logger with the
// reporting core teed in, the HTTP middleware and a flush function. (Stub
// until the reporting package lands.)
func setupReporting(ctx context.Context, log *zap.Logger) (_ *zap.Logger, mw func(http.Handler) http.Handler, flush func(context.Context) error, err error) {
	return log, func(h http.Handler) http.Handler { return h }, func(context.Context) error { return nil }, nil
}

// report captures err for the request in ctx and returns the event ID, or
// "" when nothing was reported.
func report(ctx context.Context, err error) string { return "" }
