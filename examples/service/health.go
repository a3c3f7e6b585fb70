package main

// Health wiring. The service checks one downstream dependency, "inventory"
// (critical: readiness and startup), and its "cache" (not critical: a
// failure makes /readyz warn with 200), plus its own goroutine count
// (liveness). By default both are served by a small fake downstream that
// the service starts on 127.0.0.1, so that tests and demos can make it
// misbehave.
//
// Environment (read once at start):
//
//	SUPPORTKIT_DRAIN_DELAY       how long readiness fails before the server
//	                             shuts down on SIGTERM (default 5s)
//	SUPPORTKIT_DRAIN_NOT_FOUND=1 answer readiness with 404 while draining
//	                             (for HAProxy's http-check disable-on-404)
//	SUPPORTKIT_HEALTH_INTERVAL   how often each check runs (default 2s)
//	SUPPORTKIT_HEALTH_TIMEOUT    how long a check may take (default 1s)
//	SUPPORTKIT_DEPENDENCY_URL    check this real base URL instead of the
//	                             fake downstream (GET <url>/inventory and
//	                             <url>/cache must answer 2xx)
//	SUPPORTKIT_DEPENDENCY        the fake downstream's initial mode (ok)
//	SUPPORTKIT_HEALTH_ADMIN=1    enable POST /admin/dependency?mode=MODE
//
// Modes of the fake downstream:
//
//	ok        everything answers 200
//	fail      /inventory answers 503: the critical check fails, /readyz 503
//	degraded  /cache answers 503: the non-critical check fails, /readyz 200 "warn"
//	hang      /inventory never answers (until the mode changes): the check
//	          stays in flight until its timeout, while probes keep
//	          answering at once from the last result
//
// The error text of failing checks is shown in /readyz?verbose to callers
// on the loopback interface only; everyone else sees statuses, and the log
// has the reasons.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/checks"
)

// healthWiring is what shutdown needs of the health wiring.
type healthWiring struct {
	reg        *health.Registry
	drainDelay time.Duration
	// stop stops the checks, the fake dependency and the checks' idle
	// connections.
	stop func(ctx context.Context) error
}

// setupHealth wires package health: it registers the probe endpoints on mux
// and returns what shutdown needs (shutdown.go): the registry, whose
// readiness fails from MarkDraining on, the drain delay, and a stop
// function.
func setupHealth(ctx context.Context, log *zap.Logger, mux *http.ServeMux) (_ healthWiring, err error) {
	durations := map[string]time.Duration{
		"SUPPORTKIT_DRAIN_DELAY":     health.DefaultDrainDelay,
		"SUPPORTKIT_HEALTH_INTERVAL": 2 * time.Second,
		"SUPPORTKIT_HEALTH_TIMEOUT":  time.Second,
	}
	for key := range durations {
		if v := os.Getenv(key); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return healthWiring{}, errors.New("health: " + key + ": want a duration such as 2s, got " + v)
			}
			durations[key] = d
		}
	}
	every := health.Every(durations["SUPPORTKIT_HEALTH_INTERVAL"])
	timeout := health.Timeout(durations["SUPPORTKIT_HEALTH_TIMEOUT"])

	opts := []health.Option{
		health.WithLogger(log.Named("health")),
		health.WithDetails(fromLoopback),
		health.WithDrainDelay(durations["SUPPORTKIT_DRAIN_DELAY"]),
	}
	if os.Getenv("SUPPORTKIT_DRAIN_NOT_FOUND") == "1" {
		opts = append(opts, health.WithDrainNotFound())
	}
	reg := health.New(opts...)

	var dep *fakeDependency
	base := os.Getenv("SUPPORTKIT_DEPENDENCY_URL")
	if base == "" {
		if dep, err = startFakeDependency(os.Getenv("SUPPORTKIT_DEPENDENCY")); err != nil {
			return healthWiring{}, err
		}
		base = dep.url
		log.Info("fake dependency listening", zap.String("url", base), zap.String("mode", dep.get()))
	}
	// The application's own client: the checks reuse its connections.
	client := &http.Client{Timeout: 30 * time.Second}
	base = strings.TrimSuffix(base, "/")
	err = errors.Join(
		reg.Register("inventory", checks.HTTPGet(client, base+"/inventory"),
			health.For(health.Readiness|health.Startup), every, timeout),
		reg.Register("cache", checks.HTTPGet(client, base+"/cache"), health.NonCritical(), every, timeout),
		reg.Register("goroutines", checks.Goroutines(100_000), health.For(health.Liveness), every, timeout),
		reg.Start(ctx),
	)
	if err != nil {
		dep.close()
		return healthWiring{}, err
	}
	reg.Handle(mux)
	if os.Getenv("SUPPORTKIT_HEALTH_ADMIN") == "1" {
		if dep == nil {
			return healthWiring{}, errors.New("health: SUPPORTKIT_HEALTH_ADMIN needs the fake dependency (unset SUPPORTKIT_DEPENDENCY_URL)")
		}
		mux.HandleFunc("POST /admin/dependency", dep.admin(log))
	}
	return healthWiring{reg: reg, drainDelay: durations["SUPPORTKIT_DRAIN_DELAY"], stop: func(ctx context.Context) error {
		err := reg.Stop(ctx)
		dep.close()
		client.CloseIdleConnections()
		return err
	}}, nil
}

// fromLoopback authorizes callers on this machine to read check errors.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// fakeDependency is a downstream service whose behaviour the admin
// endpoint sets.
type fakeDependency struct {
	url string
	srv *http.Server

	mu      sync.Mutex
	mode    string
	changed chan struct{} // closed when mode changes
}

var modes = map[string]bool{"ok": true, "fail": true, "degraded": true, "hang": true}

func startFakeDependency(mode string) (*fakeDependency, error) {
	if mode == "" {
		mode = "ok"
	}
	if !modes[mode] {
		return nil, errors.New("health: SUPPORTKIT_DEPENDENCY: want ok, fail, degraded or hang, got " + mode)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &fakeDependency{url: "http://" + ln.Addr().String(), mode: mode, changed: make(chan struct{})}
	d.srv = &http.Server{Handler: http.HandlerFunc(d.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.srv.Serve(ln) }()
	return d, nil
}

func (d *fakeDependency) get() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mode
}

func (d *fakeDependency) set(mode string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if mode != d.mode {
		d.mode = mode
		close(d.changed)
		d.changed = make(chan struct{})
	}
}

func (d *fakeDependency) serve(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	mode, changed := d.mode, d.changed
	d.mu.Unlock()
	switch {
	case r.URL.Path == "/inventory" && mode == "fail", r.URL.Path == "/cache" && mode == "degraded":
		http.Error(w, mode, http.StatusServiceUnavailable)
	case r.URL.Path == "/inventory" && mode == "hang":
		select {
		case <-changed:
		case <-r.Context().Done():
		}
	}
}

func (d *fakeDependency) admin(log *zap.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		mode := r.URL.Query().Get("mode")
		if !modes[mode] {
			http.Error(w, "mode must be ok, fail, degraded or hang", http.StatusBadRequest)
			return
		}
		d.set(mode)
		log.Info("fake dependency mode set", zap.String("mode", mode))
		w.WriteHeader(http.StatusNoContent)
	}
}

func (d *fakeDependency) close() {
	if d == nil {
		return
	}
	d.set("ok") // release hung requests
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = d.srv.Shutdown(ctx)
}
