package health

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
)

// Registry holds the checks of a process, runs them in the background and
// publishes their results as a [Snapshot] that the HTTP handlers (and the
// grpchealth server) read. Make one with [New], add checks with
// [Registry.Register], then call [Registry.Start]; [Registry.Stop] or
// [Registry.Drain] ends it.
type Registry struct {
	opts options

	mu      sync.Mutex // guards checks, started, stopped; held for registration and publishing only
	checks  []*check
	started bool
	stopped bool

	snap      atomic.Pointer[Snapshot]
	startedUp atomic.Bool // startup has passed once
	draining  atomic.Bool
	drainCh   chan struct{}

	cancel   context.CancelFunc
	stopWhen func() bool // releases the context.AfterFunc of Start
	wg       sync.WaitGroup
	notify   *notifier
}

// Option configures a [Registry].
type Option func(*options)

type options struct {
	log        *zap.Logger
	authorize  func(*http.Request) bool
	listeners  []func(Change)
	jitter     float64
	drainDelay time.Duration
	drainCode  int
	service    Service
}

// WithLogger logs one line per status change of a check, with the reason
// of a failure (default: no logging).
func WithLogger(log *zap.Logger) Option {
	return func(o *options) {
		if log != nil {
			o.log = log
		}
	}
}

// WithDetails shows the error text of failing checks to the requests for
// which authorize returns true; other callers get statuses only. By
// default nobody sees error text over HTTP: it is in the log.
func WithDetails(authorize func(*http.Request) bool) Option {
	return func(o *options) { o.authorize = authorize }
}

// WithListener calls fn after each status change of a check. Listeners run
// one at a time on a goroutine of their own, outside every lock; a slow
// listener delays other listeners, never the checks or the probes.
func WithListener(fn func(Change)) Option {
	return func(o *options) {
		if fn != nil {
			o.listeners = append(o.listeners, fn)
		}
	}
}

// WithJitter spreads each check's runs by up to ±fraction of its interval
// (default 0.1), so that checks of many replicas do not hit a shared
// dependency at the same instant. It is clamped to [0, 0.5].
func WithJitter(fraction float64) Option {
	return func(o *options) { o.jitter = min(max(fraction, 0), 0.5) }
}

// WithDrainDelay is how long [Registry.Drain] keeps serving, with
// readiness failing, before it shuts the server down (default
// [DefaultDrainDelay]). Make it longer than the load balancer's
// interval × fall.
func WithDrainDelay(d time.Duration) Option {
	return func(o *options) { o.drainDelay = max(d, 0) }
}

// WithDrainNotFound answers readiness with 404 instead of 503 while
// draining, for HAProxy's "http-check disable-on-404", which then stops
// sending new traffic but lets existing sessions finish.
func WithDrainNotFound() Option {
	return func(o *options) { o.drainCode = http.StatusNotFound }
}

// DefaultDrainDelay is the drain delay of [Registry.Drain] unless
// [WithDrainDelay] says otherwise.
const DefaultDrainDelay = 5 * time.Second

// New returns an empty registry.
func New(opts ...Option) *Registry {
	r := &Registry{
		opts: options{
			log:        zap.NewNop(),
			jitter:     0.1,
			drainDelay: DefaultDrainDelay,
			drainCode:  http.StatusServiceUnavailable,
			service:    ServiceFromBuild(),
		},
		drainCh: make(chan struct{}),
	}
	for _, o := range opts {
		o(&r.opts)
	}
	r.notify = newNotifier(r.opts.listeners)
	r.publishLocked()
	return r
}

// Register adds a check named name. Names are what probes, logs, gRPC
// service names and ?exclude= use: keep them short, without "/", ",", "?",
// ":" (it separates component and measurement in health+json keys) or
// spaces. The names of the probes are reserved, in any case: "liveness",
// "readiness", "startup" (gRPC service names) and "livez", "readyz",
// "startupz", "healthz" (HTTP paths), so that a check can never answer for
// a probe. Register fails with an errorsx error: InvalidArgument for an
// empty, malformed or reserved name, a nil checker, a non-positive
// interval or timeout, or no probe; AlreadyExists for a duplicate name;
// FailedPrecondition after Start.
func (r *Registry) Register(name string, c Checker, opts ...CheckOption) error {
	cfg := checkConfig{sets: Readiness, interval: DefaultInterval, timeout: DefaultTimeout, critical: true}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case name == "" || strings.ContainsAny(name, "/,?: \t\r\n"):
		return errorsx.InvalidArgument.New("health: check name must be non-empty, without '/', ',', '?', ':' or spaces", "check", name)
	case reservedNames[strings.ToLower(name)]:
		return errorsx.InvalidArgument.New("health: check name is reserved for a probe", "check", name)
	case c == nil || isNilFunc(c):
		return errorsx.InvalidArgument.New("health: nil checker", "check", name)
	case cfg.interval <= 0:
		return errorsx.InvalidArgument.New("health: interval must be positive", "check", name, "interval", cfg.interval.String())
	case cfg.timeout <= 0:
		return errorsx.InvalidArgument.New("health: timeout must be positive", "check", name, "timeout", cfg.timeout.String())
	case cfg.sets&(Liveness|Readiness|Startup) == 0 || cfg.sets&^(Liveness|Readiness|Startup) != 0:
		return errorsx.InvalidArgument.New("health: a check must belong to liveness, readiness or startup", "check", name, "sets", int(cfg.sets))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errorsx.FailedPrecondition.New("health: register before Start", "check", name)
	}
	for _, ch := range r.checks {
		if ch.name == name {
			return errorsx.AlreadyExists.New("health: duplicate check name", "check", name)
		}
	}
	ch := &check{name: name, checker: c, cfg: cfg}
	ch.res = Result{
		Name: name, Sets: cfg.sets, Critical: cfg.critical,
		Interval: cfg.interval, Timeout: cfg.timeout,
		Component: cfg.component,
		Status:    StatusFail, Pending: true,
	}
	r.checks = append(r.checks, ch)
	slices.SortFunc(r.checks, func(a, b *check) int { return strings.Compare(a.name, b.name) })
	r.publishLocked()
	return nil
}

// reservedNames are the probes' names, which checks cannot take: gRPC's
// service names for the probes (package grpchealth) and the HTTP paths.
var reservedNames = map[string]bool{
	"liveness": true, "readiness": true, "startup": true,
	"livez": true, "readyz": true, "startupz": true, "healthz": true,
}

func isNilFunc(c Checker) bool {
	switch f := c.(type) {
	case CheckFunc:
		return f == nil
	case MeasureFunc:
		return f == nil
	}
	return false
}

// Start runs every check in the background: each one at once, then on its
// interval. The checks stop at [Registry.Stop] or when ctx is done (which
// counts as stopped, [Snapshot.Stopped]); ctx's values reach the checks'
// contexts. Start fails if called twice or after Stop.
func (r *Registry) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || r.stopped {
		return errorsx.FailedPrecondition.New("health: Start called twice or after Stop")
	}
	r.started = true
	r.stopWhen = context.AfterFunc(ctx, r.markStopped)
	ctx, r.cancel = context.WithCancel(ctx)
	r.notify.start(ctx, &r.wg)
	for _, c := range r.checks {
		r.wg.Add(1)
		go r.loop(ctx, c)
	}
	r.publishLocked()
	return nil
}

// Stop stops the checks and waits, until ctx is done, for running checks
// and listeners to return. At once it publishes a last snapshot, marked
// [Snapshot.Stopped]: package grpchealth then ends its Watch streams, so
// that a gRPC server's GracefulStop does not wait for watchers. A check that ignores its context keeps its
// goroutine until it returns; Stop then reports it, as an
// errorsx.DeadlineExceeded error naming the stuck checks. Stop may be
// called more than once.
func (r *Registry) Stop(ctx context.Context) error {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
		r.stopWhen()
	}
	r.markStoppedLocked()
	started := r.started
	r.mu.Unlock()
	r.notify.stop()
	if !started {
		return nil // no goroutine to wait for, whatever ctx says
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		select {
		case <-done: // both ready: nothing is left running
			return nil
		default:
		}
		var stuck []string
		for _, res := range r.Snapshot().results {
			if res.Stuck {
				stuck = append(stuck, res.Name)
			}
		}
		return errorsx.DeadlineExceeded.New("health: checks still running at stop", "stuck", strings.Join(stuck, ","))
	}
}

func (r *Registry) markStopped() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.markStoppedLocked()
}

func (r *Registry) markStoppedLocked() {
	if !r.stopped {
		r.stopped = true
		r.publishLocked()
	}
}

// Snapshot returns the latest published state. It never blocks.
func (r *Registry) Snapshot() *Snapshot { return r.snap.Load() }

// publish builds and stores a new snapshot from the checks' results.
func (r *Registry) publish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.publishLocked()
}

func (r *Registry) publishLocked() {
	s := &Snapshot{
		results:  make([]Result, len(r.checks)),
		index:    make(map[string]int, len(r.checks)),
		draining: r.draining.Load(),
		stopped:  r.stopped,
		started:  r.startedUp.Load(),
		next:     make(chan struct{}),
	}
	for i, c := range r.checks {
		c.mu.Lock()
		s.results[i] = c.res
		c.mu.Unlock()
		s.index[c.name] = i
	}
	if !s.started && r.started && s.compute(Startup, nil) != StatusFail {
		r.startedUp.Store(true)
		s.started = true
	}
	for v, set := range viewSets {
		s.views[v] = s.compute(set, nil)
	}
	if old := r.snap.Swap(s); old != nil {
		close(old.next)
	}
}
