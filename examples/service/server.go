package main

// The HTTP server's timeouts and the shutdown's budget. Environment (read
// once at start):
//
//	SUPPORTKIT_READ_TIMEOUT      how long a client may take to send a whole
//	                             request, body included (default 10s); the
//	                             headers get at most 5s of it
//	SUPPORTKIT_IDLE_TIMEOUT      how long an idle keep-alive connection is
//	                             kept (default 60s)
//	SUPPORTKIT_SHUTDOWN_TIMEOUT  the whole shutdown's budget (default 25s,
//	                             under Kubernetes' 30s grace period)
//
// The write timeout is maxSlow + 5s, so that the slowest /slow answers.
//
// On SIGTERM or SIGINT, supportkit's Serve shuts down in phases, each
// with its own budget within the total (see supportkit.Service.Serve):
// readiness fails, the drain delay (SUPPORTKIT_DRAIN_DELAY, at most half
// the total) passes, in-flight requests finish, then the checks stop and
// spans and reports are flushed. A phase that runs out is logged
// ("shutdown phase ran out of time") and the process exits 1 naming it;
// when every phase finishes in time, it exits 0. A second SIGTERM or
// SIGINT cuts the shutdown short (exit 1): what is not delivered stays in
// the outbox.

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

// serverSettings are the HTTP server's timeouts and the shutdown budget.
type serverSettings struct {
	readTimeout, idleTimeout, shutdownTimeout time.Duration
}

func serverSettingsFromEnv() (serverSettings, error) {
	s := serverSettings{readTimeout: 10 * time.Second, idleTimeout: 60 * time.Second, shutdownTimeout: 25 * time.Second}
	for key, d := range map[string]*time.Duration{
		"SUPPORTKIT_READ_TIMEOUT":     &s.readTimeout,
		"SUPPORTKIT_IDLE_TIMEOUT":     &s.idleTimeout,
		"SUPPORTKIT_SHUTDOWN_TIMEOUT": &s.shutdownTimeout,
	} {
		if v := os.Getenv(key); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil || p <= 0 {
				return s, fmt.Errorf("%s: want a positive duration such as 10s, got %q", key, v)
			}
			*d = p
		}
	}
	return s, nil
}

// apply sets the server's timeouts: every phase of a connection has a
// bound, so that idle or slow clients cannot hold connections forever.
func (s serverSettings) apply(srv *http.Server) {
	srv.ReadHeaderTimeout = min(5*time.Second, s.readTimeout)
	srv.ReadTimeout = s.readTimeout
	srv.WriteTimeout = maxSlow + 5*time.Second
	srv.IdleTimeout = s.idleTimeout
}
