// Command health is the smallest useful setup of package health: probes
// for a service that depends on one TCP server, with a graceful drain.
//
//	go run ./examples/health -dep 127.0.0.1:5432
//	curl -i localhost:8081/readyz            # 200 pass, or 503 fail
//	curl -s 'localhost:8081/readyz?verbose'  # health+json (errors: from localhost only)
//
// On SIGTERM or Ctrl-C, /readyz fails at once, /livez keeps passing, and
// the server shuts down after -drain-delay. Behind HAProxy, point the check
// at the probe ("option httpchk GET /readyz"); a backend with a plain
// "option httpchk" (OPTIONS / without a Host header) is answered too,
// through reg.HAProxyCheck.
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
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/checks"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "health:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	dep := flag.String("dep", "127.0.0.1:5432", "host:port of the dependency to dial")
	drainDelay := flag.Duration("drain-delay", health.DefaultDrainDelay, "how long readiness fails before shutdown (0: none)")
	interval := flag.Duration("interval", 5*time.Second, "how often to dial the dependency")
	flag.Parse()

	log, err := zap.NewProduction()
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	// -drain-delay 0 means none; WithDrainDelay(0) would mean the default.
	delay := health.WithDrainDelay(*drainDelay)
	if *drainDelay == 0 {
		delay = health.WithoutDrainDelay()
	}
	reg, err := health.Setup(context.Background(),
		health.WithLogger(log),
		delay,
		health.WithDetails(func(r *http.Request) bool {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			return net.ParseIP(host).IsLoopback()
		}),
		health.WithCheck("dep", checks.TCPDial(&net.Dialer{}, *dep),
			health.Every(*interval), health.Timeout(time.Second)),
		health.WithCheck("goroutines", checks.Goroutines(10_000), health.For(health.Liveness)),
	)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	reg.Handle(mux) // /livez /readyz /startupz /healthz, /readyz/{check}
	srv := &http.Server{Addr: *addr, Handler: reg.HAProxyCheck(mux), ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ListenAndServe() }()
	log.Info("listening", zap.String("addr", *addr))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	select {
	case err := <-serveErr:
		_ = reg.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *drainDelay+30*time.Second)
	defer cancel()
	if err := reg.Drain(shutdownCtx, srv); err != nil {
		return err
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
