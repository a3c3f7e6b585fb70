package supportkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// ListenAndServe listens on addr and calls [Service.Serve].
func (s *Service) ListenAndServe(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln, h)
}

// Serve serves [Service.Handler](h) on ln until ctx is done or the
// process gets SIGTERM or SIGINT, then shuts down in phases, each with its
// share of the shutdown timeout ([WithShutdownTimeout]) so that one slow
// phase cannot eat the others':
//
//	drain      readiness fails at once; wait the drain delay
//	           (health.WithDrainDelay) for load balancers to notice
//	http       stop accepting; let in-flight requests finish; close the
//	           connections that outlive the phase
//	health     stop the checks          (each flush: min(3 s, timeout/8))
//	tracing    flush spans
//	metrics    the last push of metrics (OTLP), when configured
//	reporting  flush reports (what is not delivered stays in the outbox)
//	crash      stop the crash monitor
//	flightrec  stop the flight recorder ([WithFlightRecorder])
//
// A second SIGTERM or SIGINT during the shutdown cuts it short: the drain
// wait ends, open connections are closed, and every phase left gets no
// more time (reports not yet delivered stay in the outbox); Serve then
// returns an error saying so.
//
// Serve returns nil after a shutdown in which every phase finished in
// time; otherwise an error naming the phases that ran out, joined with
// the server's and the phases' errors: the error to exit with. The HTTP
// server has ReadHeaderTimeout 10 s and IdleTimeout 120 s, and logs its
// own errors to [Service.Logger]; [WithHTTPServer] changes it.
func (s *Service) Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	return s.Run(ctx, s.HTTP(ln, h))
}

// A Server is a listener with what serves it, for [Service.Run]: made by
// [Service.HTTP] or [Service.GRPC].
type Server struct {
	name  string
	addr  net.Addr
	serve func() error                // blocks until the server stops
	stop  func(context.Context) error // graceful, bounded by its context
	close func() error                // at once
}

// HTTP is the HTTP server of [Service.Serve]: ln served with
// [Service.Handler](h), the timeouts and [WithHTTPServer] as Serve says.
func (s *Service) HTTP(ln net.Listener, h http.Handler) Server {
	srv := &http.Server{
		Handler:           s.Handler(h),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          zap.NewStdLog(s.Logger()),
	}
	if s.cfg.server != nil {
		s.cfg.server(srv)
	}
	return Server{
		name: "http", addr: ln.Addr(),
		serve: func() error { return srv.Serve(ln) },
		stop:  srv.Shutdown,
		close: srv.Close,
	}
}

// Run serves every server until ctx is done or the process gets SIGTERM or
// SIGINT, then shuts down in the phases [Service.Serve] describes; the
// servers stop together, each within the phase's budget (a gRPC server
// with GracefulStop, its health Watch streams ended by the drain first).
// If one server fails on its own, the others are shut down too.
func (s *Service) Run(ctx context.Context, servers ...Server) error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)

	serveErr := make(chan error, len(servers))
	for _, srv := range servers {
		go func() { serveErr <- srv.serve() }()
		s.Logger().Info("listening", zap.String("addr", srv.addr.String()), zap.String("protocol", srv.name))
	}

	select {
	case err := <-serveErr:
		// A server failed on its own: stop the others, flush what the
		// requests produced.
		serveErr <- err
		s.Logger().Error("server failed", zap.Error(err))
	case sig := <-sigs:
		s.Logger().Info("shutting down", zap.String("signal", sig.String()))
	case <-ctx.Done():
		s.Logger().Info("shutting down", zap.NamedError("cause", context.Cause(ctx)))
	}

	cut, cutShort := context.WithCancelCause(context.Background())
	defer cutShort(nil)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case sig := <-sigs:
			s.Logger().Warn("second signal during shutdown: cutting it short", zap.String("signal", sig.String()))
			cutShort(fmt.Errorf("shutdown cut short by a second %v", sig))
		case <-done:
		}
	}()
	err := s.shutdown(cut, servers, serveErr)
	if err == nil {
		s.Logger().Info("stopped")
	}
	return err
}

// Shutdown stops what [Setup] started, for an application that runs its
// own server (stop it first): readiness fails, the checks stop, spans and
// reports are flushed, the crash monitor stops. It is bounded by ctx: what
// is not delivered by then stays in the outbox. It is safe to call more
// than once; later calls return the first call's result.
func (s *Service) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.shutdownOnce.Do(func() {
		var errs []error
		if s.health != nil {
			s.health.MarkDraining()
			errs = append(errs, s.health.Shutdown(ctx))
		}
		if s.tracing != nil {
			errs = append(errs, s.tracing.Shutdown(ctx))
		}
		if s.metrics != nil {
			errs = append(errs, s.metrics.Shutdown(ctx))
		}
		if s.rep != nil {
			errs = append(errs, s.rep.Shutdown(ctx))
		}
		if s.crash != nil {
			errs = append(errs, s.crash.Shutdown(ctx))
		}
		errs = append(errs, s.flight.Shutdown(ctx))
		s.shutdownErr = errors.Join(errs...)
	})
	return s.shutdownErr
}

// shutdown runs Serve's phases; cut ends early on a second signal.
func (s *Service) shutdown(cut context.Context, servers []Server, serveErr <-chan error) error {
	total := s.cfg.shutdownTimeout
	drain := s.health.DrainDelay()
	flush := min(3*time.Second, total/8)
	httpBudget := total - drain - 5*flush
	if s.flight != nil {
		httpBudget -= flush
	}

	var mu sync.Mutex // the servers' phases run at once
	var ranOut []string
	var errs []error
	addErr := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	phase := func(name string, budget time.Duration, fn func(context.Context) error) bool {
		ctx, cancel := context.WithTimeout(cut, budget)
		defer cancel()
		err := fn(ctx)
		if cut.Err() != nil {
			return false // cut short: the error says so once
		}
		if ctx.Err() != nil {
			s.Logger().Warn("shutdown phase ran out of time", zap.String("phase", name), zap.Duration("budget", budget), zap.Error(err))
			mu.Lock()
			ranOut = append(ranOut, name)
			mu.Unlock()
			return false
		}
		if err != nil {
			addErr(fmt.Errorf("%s: %w", name, err))
		}
		return true
	}

	s.health.MarkDraining()
	if drain > 0 {
		s.Logger().Info("shutdown: draining", zap.Duration("drain_delay", drain))
		t := time.NewTimer(drain)
		select {
		case <-t.C:
		case <-cut.Done():
			t.Stop()
		}
	}
	// A gRPC server's GracefulStop waits for the health Watch streams,
	// which end when the registry shuts down: stop the checks first then.
	for _, srv := range servers {
		if srv.name == "grpc" {
			phase("health", flush, s.health.Shutdown)
			break
		}
	}
	// The servers stop together, each with the whole budget of the phase.
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !phase(srv.name, httpBudget, srv.stop) {
				s.Logger().Warn("shutdown: closing the connections that outlived the graceful stop", zap.String("protocol", srv.name))
				if err := srv.close(); err != nil {
					addErr(err)
				}
			}
		}()
	}
	wg.Wait()
	for range servers {
		if err := <-serveErr; !stoppedCleanly(err) {
			errs = append(errs, err)
		}
	}
	s.shutdownOnce.Do(func() {
		phase("health", flush, s.health.Shutdown)
		phase("tracing", flush, s.tracing.Shutdown)
		phase("metrics", flush, s.metrics.Shutdown)
		phase("reporting", flush, s.rep.Shutdown)
		if s.crash != nil {
			phase("crash", flush, s.crash.Shutdown)
		}
		if s.flight != nil {
			phase("flightrec", flush, s.flight.Shutdown)
		}
	})
	if len(ranOut) > 0 {
		errs = append(errs, fmt.Errorf("shutdown: the %s phase ran out of time", strings.Join(ranOut, ", ")))
	}
	if cause := context.Cause(cut); cause != nil {
		errs = append(errs, cause)
	}
	return errors.Join(errs...)
}

// stoppedCleanly reports whether a server's Serve returned because it was
// stopped, not because it failed.
func stoppedCleanly(err error) bool {
	return err == nil || errors.Is(err, http.ErrServerClosed) || errors.Is(err, grpc.ErrServerStopped)
}
