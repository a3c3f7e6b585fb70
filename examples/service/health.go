package main

import (
	"context"
	"net/http"

	"go.uber.org/zap"
)

// setupHealth wires package health: it registers the probe endpoints on mux
// and returns the function that drains and shuts down srv on SIGTERM.
// (Stub until the health package lands: shutdown is immediate.)
func setupHealth(ctx context.Context, log *zap.Logger, mux *http.ServeMux) (drain func(ctx context.Context, srv *http.Server) error, err error) {
	return func(ctx context.Context, srv *http.Server) error { return srv.Shutdown(ctx) }, nil
}
