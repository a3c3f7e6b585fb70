// Command service is the supportkit example service: a small HTTP API wired
// the way we recommend, with an endpoint for each kind of failure, so that
// you can see what a support engineer gets for each.
//
//	go run ./examples/service                 # listens on 127.0.0.1:8080
//	go run ./examples/service -addr :9090     # or ADDR=:9090
//
// Logs are JSON lines on standard error. Endpoints:
//
//	GET  /hello            200
//	GET  /orders/{id}      200 for id 1, else a NotFound error as 404 problem+json
//	GET  /fail             a dependency fails: 500 problem+json, reported
//	GET  /panic            the handler panics: 500 problem+json, reported
//	GET  /panic/goroutine  202, then a background goroutine panics, reported
//	GET  /slow?d=2s        answers after d (at most 10s)
//	POST /crash            crashes the process (only with -crash-monitor)
//	GET  /livez /readyz /startupz /healthz   the health probes
//
// -demo starts the service on a free port, calls each endpoint once and
// prints what a support engineer gets for each, then exits.
//
// The HTTP server's timeouts and the phases of the shutdown on SIGTERM are
// in shutdown.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

// config is the service's configuration: flags, with environment variables
// as their defaults.
type config struct {
	addr         string
	crashMonitor bool
	demo         bool
}

func parseConfig(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", envOr("ADDR", "127.0.0.1:8080"), "listen address (env ADDR)")
	fs.BoolVar(&c.crashMonitor, "crash-monitor", crashMonitorRequested(), "report fatal crashes through a monitor process (env SUPPORTKIT_CRASH_MONITOR=1); see crash.go")
	fs.BoolVar(&c.demo, "demo", false, "start on a free port, call every endpoint once, print what a support engineer gets for each, and exit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, nil
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func run(args []string) error {
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	if startCrashMonitor(cfg.crashMonitor) {
		return nil // this process was the crash monitor (crash.go)
	}
	var demo *demoLogs
	if cfg.demo {
		cleanup, err := prepareDemo()
		defer cleanup()
		if err != nil {
			return err
		}
		cfg.addr = "127.0.0.1:0"
		demo = &demoLogs{}
	}
	log, err := zap.NewProduction()
	if err != nil {
		return err
	}
	if demo != nil {
		log = log.WithOptions(demo.teeTo())
	}
	defer func() { _ = log.Sync() }()
	settings, err := serverSettingsFromEnv()
	if err != nil {
		return err
	}

	// Each package is wired in its own file: reporting.go, tracing.go,
	// health.go; shutdown.go has the server's timeouts and the shutdown.
	// Each set-up returns a new logger only on success: log stays usable
	// on every error path.
	setupCtx := context.Background()
	rlog, reportingMW, flushReports, err := setupReporting(setupCtx, log)
	if err != nil {
		return err
	}
	log = rlog
	mux := http.NewServeMux()
	tracingMW, shutdownTracing, err := setupTracing(setupCtx, log, mux)
	if err != nil {
		return err
	}
	a := &app{log: log, orders: map[string]order{"1": {ID: "1", Item: "coffee", Quantity: 2}}}
	a.routes(mux)
	hw, err := setupHealth(setupCtx, log, mux)
	if err != nil {
		return err
	}
	plan, err := planShutdown(settings.shutdownTimeout, hw.drainDelay)
	if err != nil {
		return err
	}

	// The tracing span encloses the reporting scope, so that a report can
	// name the trace.
	srv := newServer(tracingMW(reportingMW(mux)), settings, log)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	log.Info("listening", zap.String("addr", ln.Addr().String()))

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	var demoErr error
	demoDone := make(chan struct{})
	demoCtx, cancelDemo := context.WithCancel(context.Background())
	defer cancelDemo()
	if demo != nil {
		// The demo ends the service as SIGTERM would.
		go func() {
			defer close(demoDone)
			demoErr = runDemo(demoCtx, os.Stdout, "http://"+ln.Addr().String(), demo)
		}()
	}

	select {
	case err := <-serveErr:
		return err
	case sig := <-sigs:
		log.Info("shutting down", zap.String("signal", sig.String()))
		cancelDemo()
		if demo != nil {
			<-demoDone
		}
	case <-demoDone:
		log.Info("shutting down", zap.String("after", "demo"))
	}
	done := make(chan struct{})
	defer close(done)
	go exitOnSecondSignal(log, sigs, done)
	// Order matters: stop taking traffic, finish in-flight requests, then
	// flush what they produced.
	if err := errors.Join(shutdown(log, plan, hw, srv, serveErr, shutdownTracing, flushReports), demoErr); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
