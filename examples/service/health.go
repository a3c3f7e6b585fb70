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

// healthOptionsFromEnv returns the registry's options from the
// environment: the drain delay, 404 while draining, and who may read
// check errors.
func healthOptionsFromEnv() ([]health.Option, error) {
	drain, err := durationFromEnv("SUPPORTKIT_DRAIN_DELAY", health.DefaultDrainDelay)
	if err != nil {
		return nil, err
	}
	opts := []health.Option{health.WithDetails(fromLoopback), health.WithDrainDelay(drain)}
	if drain == 0 {
		opts[1] = health.WithoutDrainDelay()
	}
	if os.Getenv("SUPPORTKIT_DRAIN_NOT_FOUND") == "1" {
		opts = append(opts, health.WithDrainNotFound())
	}
	return opts, nil
}

// durationFromEnv reads the duration in key, or def when it is unset.
func durationFromEnv(key string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New("health: " + key + ": want a duration such as 2s, got " + v)
	}
	return d, nil
}

// checkDependencies registers the service's checks with the health
// registry, against the fake downstream it starts, or against
// SUPPORTKIT_DEPENDENCY_URL. Close the fake downstream (nil-safe) once the
// service has shut down.
func (a *app) checkDependencies() (_ *fakeDependency, err error) {
	interval, err := durationFromEnv("SUPPORTKIT_HEALTH_INTERVAL", 2*time.Second)
	if err != nil {
		return nil, err
	}
	tmo, err := durationFromEnv("SUPPORTKIT_HEALTH_TIMEOUT", time.Second)
	if err != nil {
		return nil, err
	}
	every, timeout := health.Every(interval), health.Timeout(tmo)

	var dep *fakeDependency
	base := os.Getenv("SUPPORTKIT_DEPENDENCY_URL")
	if base == "" {
		if dep, err = startFakeDependency(os.Getenv("SUPPORTKIT_DEPENDENCY")); err != nil {
			return nil, err
		}
		base = dep.url
		a.sk.Logger().Info("fake dependency listening", zap.String("url", base), zap.String("mode", dep.get()))
	}
	// The application's own client: the checks reuse its connections.
	client := &http.Client{Timeout: 30 * time.Second}
	base = strings.TrimSuffix(base, "/")
	reg := a.sk.Health()
	err = errors.Join(
		reg.Register("inventory", checks.HTTPGet(client, base+"/inventory"),
			health.For(health.Readiness|health.Startup), every, timeout),
		reg.Register("cache", checks.HTTPGet(client, base+"/cache"), health.NonCritical(), every, timeout),
		reg.Register("goroutines", checks.Goroutines(100_000), health.For(health.Liveness), every, timeout),
	)
	if err != nil {
		dep.close()
		return nil, err
	}
	if dep != nil {
		dep.client = client
	}
	return dep, nil
}

// adminRoutes registers POST /admin/dependency when
// SUPPORTKIT_HEALTH_ADMIN=1 and the fake downstream runs.
func (a *app) adminRoutes(mux *http.ServeMux, dep *fakeDependency) {
	if os.Getenv("SUPPORTKIT_HEALTH_ADMIN") != "1" {
		return
	}
	if dep == nil {
		a.sk.Logger().Warn("SUPPORTKIT_HEALTH_ADMIN needs the fake dependency (unset SUPPORTKIT_DEPENDENCY_URL): not enabled")
		return
	}
	mux.HandleFunc("POST /admin/dependency", dep.admin(a.sk.Logger()))
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
	url    string
	srv    *http.Server
	client *http.Client // the checks' client, whose idle connections close goes with

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
	if d.client != nil {
		d.client.CloseIdleConnections()
	}
}
