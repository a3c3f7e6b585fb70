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
//	GET  /metrics          Prometheus metrics (OpenMetrics with exemplars when asked)
//
// -demo starts the service on a free port, calls each endpoint once and
// prints what a support engineer gets for each, then exits.
//
// The wiring is run below: one supportkit.Setup call. The environment
// variables of the health checks are in health.go, those of the HTTP
// server in server.go, the crash monitor in crash.go, the flight recorder
// (SUPPORTKIT_FLIGHT_RECORDER=1, always on in -demo) in
// flightrecorder.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/reporting"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	log, demo, cleanup, err := prepare(&cfg) // demo.go: -demo's logs, outbox and port
	defer cleanup()
	if err != nil {
		return err
	}
	server, err := serverSettingsFromEnv() // server.go
	if err != nil {
		return err
	}
	healthOpts, err := healthOptionsFromEnv() // health.go
	if err != nil {
		return err
	}
	opts := []supportkit.Option{
		supportkit.WithServiceName("supportkit-example"),
		supportkit.WithLogger(log),
		// Without SENTRY_DSN, reports go to this outbox (printed at start).
		supportkit.WithReporting(reporting.WithOutbox(os.Getenv("SUPPORTKIT_OUTBOX"), 0)),
		supportkit.WithHealth(healthOpts...),
		supportkit.WithShutdownTimeout(server.shutdownTimeout),
		supportkit.WithHTTPServer(server.apply),
	}
	if cfg.crashMonitor {
		opts = append(opts, supportkit.WithCrashMonitor(nil))
	}
	opts = append(opts, flightRecorderOptions(cfg)...) // flightrecorder.go
	opts = append(opts, demo.options()...)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sk, err := supportkit.Setup(ctx, opts...)
	if err != nil || sk.IsCrashMonitor() {
		return err // the monitor process returns here once the service has exited
	}
	a := &app{sk: sk, orders: map[string]order{"1": {ID: "1", Item: "coffee", Quantity: 2}}}
	dep, err := a.checkDependencies() // health.go: the checks and the fake downstream
	if err != nil {
		return errors.Join(err, sk.Shutdown(ctx))
	}
	defer dep.close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return errors.Join(err, sk.Shutdown(ctx))
	}
	mux := http.NewServeMux()
	a.routes(mux, dep)                                   // handlers.go
	demoErr := demo.start(ctx, stop, ln.Addr().String()) // ends the service when done
	return errors.Join(sk.Serve(ctx, ln, mux), demoErr())
}

// config is the service's configuration: flags, with environment variables
// as their defaults.
type config struct {
	addr           string
	crashMonitor   bool
	flightRecorder bool
	demo           bool
}

func parseConfig(args []string) (config, error) {
	var c config
	crash, _ := strconv.ParseBool(os.Getenv("SUPPORTKIT_CRASH_MONITOR"))
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", envOr("ADDR", "127.0.0.1:8080"), "listen address (env ADDR)")
	fs.BoolVar(&c.crashMonitor, "crash-monitor", crash, "report fatal crashes through a monitor process (env SUPPORTKIT_CRASH_MONITOR=1); see crash.go")
	fs.BoolVar(&c.flightRecorder, "flight-recorder", flightRecorderFromEnv(), "keep the last seconds of execution and attach them to reports (env SUPPORTKIT_FLIGHT_RECORDER=1); see flightrecorder.go")
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

// newLogger is the service's logger: JSON lines on standard error.
func newLogger() (*zap.Logger, error) { return zap.NewProduction() }
