package main

// The HTTP server's timeouts and the shutdown. Environment (read once at
// start):
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
// On SIGTERM or SIGINT the shutdown runs in phases, each with its own
// budget within the total, so that one slow phase cannot eat the others':
//
//	drain         readiness fails; wait SUPPORTKIT_DRAIN_DELAY (at most
//	              half the total) for the load balancers to notice
//	http          srv.Shutdown: stop accepting, let in-flight requests
//	              finish; what remains when its budget (the total minus
//	              the other phases) runs out is cut with srv.Close
//	health        stop the checks (flushBudget)
//	tracing       flush spans (flushBudget)
//	reporting     flush reports (flushBudget)
//
// A phase that runs out is logged ("shutdown phase ran out of time", with
// its name and budget) and the process exits 1 naming it; when every
// phase finishes in time, it exits 0. A second SIGTERM or SIGINT during
// the shutdown ends the process at once with the shell's code for the
// signal: 143 for SIGTERM, 130 for SIGINT.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
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

// newServer is the service's HTTP server: every phase of a connection has
// a bound, so that idle or slow clients cannot hold connections forever.
func newServer(h http.Handler, s serverSettings, log *zap.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(5*time.Second, s.readTimeout),
		ReadTimeout:       s.readTimeout,
		WriteTimeout:      maxSlow + 5*time.Second,
		IdleTimeout:       s.idleTimeout,
		ErrorLog:          zap.NewStdLog(log),
	}
}

// shutdownPlan is each phase's budget.
type shutdownPlan struct {
	drain, http, flush time.Duration
}

// planShutdown splits total between the phases: the drain delay as set,
// each flush min(3s, total/8), the HTTP shutdown the rest.
func planShutdown(total, drainDelay time.Duration) (shutdownPlan, error) {
	if drainDelay > total/2 {
		return shutdownPlan{}, fmt.Errorf("SUPPORTKIT_DRAIN_DELAY (%v) is more than half of SUPPORTKIT_SHUTDOWN_TIMEOUT (%v): the server would have no time to shut down", drainDelay, total)
	}
	flush := min(3*time.Second, total/8)
	return shutdownPlan{drain: drainDelay, flush: flush, http: total - drainDelay - 3*flush}, nil
}

// shutdown runs the phases (see the top of this file) and returns an error
// naming the phases that ran out of time, joined with the others' errors.
func shutdown(log *zap.Logger, plan shutdownPlan, h healthWiring, srv *http.Server, serveErr <-chan error,
	flushTracing, flushReports func(context.Context) error) error {
	var ranOut []string
	var errs []error
	phase := func(name string, budget time.Duration, fn func(context.Context) error) bool {
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		err := fn(ctx)
		if ctx.Err() != nil {
			log.Warn("shutdown phase ran out of time", zap.String("phase", name), zap.Duration("budget", budget), zap.Error(err))
			ranOut = append(ranOut, name)
			return false
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		return true
	}

	h.reg.MarkDraining()
	if plan.drain > 0 {
		log.Info("shutdown: draining", zap.Duration("drain_delay", plan.drain))
		time.Sleep(plan.drain)
	}
	if !phase("http", plan.http, srv.Shutdown) {
		log.Warn("shutdown: closing the connections that outlived the HTTP shutdown")
		errs = append(errs, srv.Close())
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	phase("health", plan.flush, h.stop)
	phase("tracing", plan.flush, flushTracing)
	phase("reporting", plan.flush, flushReports)
	if len(ranOut) > 0 {
		errs = append(errs, fmt.Errorf("shutdown: the %s phase ran out of time", strings.Join(ranOut, ", ")))
	}
	return errors.Join(errs...)
}

// exitOnSecondSignal ends the process at once when another signal comes
// on sigs before done is closed: whoever sends a second SIGTERM or SIGINT
// means it.
func exitOnSecondSignal(log *zap.Logger, sigs <-chan os.Signal, done <-chan struct{}) {
	select {
	case sig := <-sigs:
		code := 1
		if s, ok := sig.(syscall.Signal); ok {
			code = 128 + int(s)
		}
		log.Warn("second signal during shutdown: exiting at once", zap.String("signal", sig.String()), zap.Int("exit_code", code))
		_ = log.Sync()
		os.Exit(code)
	case <-done:
	}
}
