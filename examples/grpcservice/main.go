// Command grpcservice is a small gRPC service wired with supportkit's gRPC
// packages, with the failure kinds of the HTTP example service: an order
// that is not found, a failing dependency, a panic, a slow call.
//
//	go run ./examples/grpcservice            serve on 127.0.0.1:9090 until SIGTERM
//	go run ./examples/grpcservice -demo      call each method once, print what
//	                                         a support engineer gets, exit 0
//
// Environment, as the HTTP example service reads it:
//
//	ADDR                        listen address (or -addr), default 127.0.0.1:9090
//	SENTRY_DSN, SENTRY_*        reports go to Sentry; without a DSN to the outbox
//	SUPPORTKIT_OUTBOX           the outbox directory (default: reporting's own)
//	OTEL_*                      tracing, as package tracing reads them
//	SUPPORTKIT_DRAIN_DELAY      how long readiness is NOT_SERVING before the
//	                            server stops (default 5s; "0s": no delay)
//	SUPPORTKIT_SHUTDOWN_TIMEOUT the whole shutdown's budget (default 25s)
//	SUPPORTKIT_DEPENDENCY       the fake payment service: ok (default) or fail
//	SUPPORTKIT_WATCH_INTERVAL   the time between Watch's updates (default 500ms)
//
// The wiring, in [setup]: the tracing stats handler (a span per call,
// named by the method; health RPCs untraced), then the reporting
// interceptors (a hub per call, panics recovered and reported, 5xx-coded
// errors reported, every error answered as a status with a
// google.rpc.ErrorInfo whose reference_id is the event ID or the trace
// ID), and the health registry served as grpc.health.v1.
//
// On SIGTERM or SIGINT: readiness turns NOT_SERVING at once (Watch
// streams see it), the drain delay lets clients and load balancers notice,
// the health checks stop (ending the health Watch streams), the server
// stops gracefully (calls in flight finish; new ones are refused), then
// spans and reports are flushed; exit 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/grpchealth"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/grpcreporting"
	"github.com/supportkit/supportkit/tracing"
	"github.com/supportkit/supportkit/tracing/grpctracing"
)

func main() {
	addr := flag.String("addr", envOr("ADDR", "127.0.0.1:9090"), "listen address")
	demo := flag.Bool("demo", false, "call each method once, print what a support engineer gets, and exit")
	flag.Parse()
	if *demo {
		if err := runDemo(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "grpcservice:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	cfg, err := settingsFromEnv()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log, err := zap.NewProduction()
	if err != nil {
		return err
	}
	a, err := setup(ctx, cfg, log)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		_ = a.shutdown(context.Background())
		return err
	}
	fmt.Printf("listening on %s; outbox %s\n", lis.Addr(), a.rep.OutboxDir())
	served := make(chan error, 1)
	go func() { served <- a.srv.Serve(lis) }()
	select {
	case err = <-served:
		_ = a.shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	err = a.shutdown(sctx)
	<-served // Serve returns once the server has stopped
	return err
}

// settings are what the environment says.
type settings struct {
	drainDelay      time.Duration
	noDrainDelay    bool
	shutdownTimeout time.Duration
	failing         bool
	watchInterval   time.Duration
	outbox          string
	demo            bool // keep events local (no DSN), for -demo
}

func settingsFromEnv() (settings, error) {
	s := settings{shutdownTimeout: 25 * time.Second, watchInterval: 500 * time.Millisecond, outbox: os.Getenv("SUPPORTKIT_OUTBOX")}
	var errs []error
	for key, d := range map[string]*time.Duration{
		"SUPPORTKIT_DRAIN_DELAY":      &s.drainDelay,
		"SUPPORTKIT_SHUTDOWN_TIMEOUT": &s.shutdownTimeout,
		"SUPPORTKIT_WATCH_INTERVAL":   &s.watchInterval,
	} {
		v := os.Getenv(key)
		if v == "" {
			continue
		}
		p, err := time.ParseDuration(v)
		if err != nil || p < 0 || (p == 0 && key != "SUPPORTKIT_DRAIN_DELAY") {
			errs = append(errs, errorsx.InvalidArgument.New("not a positive duration", "variable", key, "value", v))
			continue
		}
		*d = p
		if key == "SUPPORTKIT_DRAIN_DELAY" && p == 0 {
			s.noDrainDelay = true
		}
	}
	switch v := os.Getenv("SUPPORTKIT_DEPENDENCY"); v {
	case "", "ok":
	case "fail":
		s.failing = true
	default:
		errs = append(errs, errorsx.InvalidArgument.New("not ok or fail", "variable", "SUPPORTKIT_DEPENDENCY", "value", v))
	}
	return s, errors.Join(errs...)
}

// app is the running service.
type app struct {
	log    *zap.Logger
	rep    *reporting.Reporter
	tp     *tracing.Provider
	reg    *health.Registry
	srv    *grpc.Server
	orders *orders
}

// setup wires the packages together; shutdown undoes it in order.
func setup(ctx context.Context, cfg settings, log *zap.Logger) (*app, error) {
	repOpts := []reporting.Option{reporting.WithOutbox(cfg.outbox, 0), reporting.WithLogger(log)}
	if cfg.demo {
		repOpts = append(repOpts, reporting.WithDSN(""))
	}
	rep, err := reporting.Setup(ctx, repOpts...)
	if err != nil {
		return nil, err
	}
	log = log.WithOptions(zap.WrapCore(rep.WrapCore))
	tp, err := tracing.Setup(ctx, tracing.WithServiceName("supportkit-grpc-example"), tracing.WithLogger(log))
	if err != nil {
		_ = rep.Shutdown(ctx)
		return nil, err
	}
	dep := &dependency{}
	dep.failing.Store(cfg.failing)
	healthOpts := []health.Option{
		health.WithLogger(log),
		health.WithCheck("payments", health.CheckFunc(dep.call), health.Every(2*time.Second), health.For(health.Readiness)),
	}
	if cfg.noDrainDelay {
		healthOpts = append(healthOpts, health.WithoutDrainDelay())
	} else {
		healthOpts = append(healthOpts, health.WithDrainDelay(cfg.drainDelay))
	}
	reg, err := health.Setup(ctx, healthOpts...)
	if err != nil {
		_ = tp.Shutdown(ctx)
		_ = rep.Shutdown(ctx)
		return nil, err
	}
	o := &orders{dependency: dep, watchInterval: cfg.watchInterval}
	// The stats handler runs around every interceptor: the span exists
	// when the reporting interceptors report.
	srv := grpc.NewServer(append(grpctracing.ServerOptions(tp), grpcreporting.ServerOptions(rep)...)...)
	srv.RegisterService(o.desc(), o)
	grpchealth.Register(srv, reg)
	return &app{log: log, rep: rep, tp: tp, reg: reg, srv: srv, orders: o}, nil
}

// shutdown drains and stops, bounded by ctx: readiness NOT_SERVING, the
// drain delay, the checks stop (health Watch streams end), GracefulStop
// (calls in flight finish), then spans and reports are flushed.
func (a *app) shutdown(ctx context.Context) error {
	a.log.Info("shutting down: readiness fails, then the drain delay")
	errs := []error{a.reg.Drain(ctx, nil)}
	a.log.Info("drain delay over: stopping the gRPC server gracefully")
	errs = append(errs, grpchealth.GracefulStop(ctx, a.srv))
	a.log.Info("gRPC server stopped: flushing spans and reports")
	errs = append(errs, a.tp.Shutdown(ctx), a.rep.Shutdown(ctx))
	err := errors.Join(errs...)
	if err != nil {
		a.log.Error("shutdown", errorsx.Zap(err))
	} else {
		a.log.Info("shut down")
	}
	_ = a.log.Sync()
	return err
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
