package health

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
)

// Registry holds the checks of a process, runs them in the background and
// publishes their results as a [Snapshot] that the HTTP handlers (and the
// grpchealth server) read. [Setup] makes one and starts its checks;
// [Registry.Shutdown], or [Registry.Drain] at its end, stops them.
type Registry struct {
	opts options

	mu      sync.Mutex // guards checks and stopped; held for registration and publishing only
	checks  []*check
	stopped bool

	snap      atomic.Pointer[Snapshot]
	startedUp atomic.Bool // startup has passed once
	draining  atomic.Bool
	drainCh   chan struct{}

	ctx     context.Context // the checks' parent context, cancelled by Shutdown
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	running atomic.Int64 // the goroutines wg counts, readable without waiting
	notify  *notifier
}

// Setup validates opts, registers the checks given by [WithCheck] and
// starts every check in the background: each one at once, then on its
// interval. It fails, and starts nothing, with an errorsx.InvalidArgument
// error (several joined, one per option) when an option is out of range
// or a check cannot be registered ([Registry.Register] says when), or
// when ctx is already done.
//
// ctx's values, not its end, reach every check's context: the checks run
// until [Registry.Shutdown] (or [Registry.Drain], which ends with it), so
// that a context cancelled on SIGTERM does not stop them before the drain.
func Setup(ctx context.Context, opts ...Option) (*Registry, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.log == nil {
		o.log = zap.NewNop()
	}
	r := &Registry{opts: o, drainCh: make(chan struct{})}
	errs := o.errs
	seen := make(map[string]bool, len(o.checks))
	for _, pc := range o.checks {
		ch, err := newCheck(pc.name, pc.checker, pc.opts)
		switch {
		case err != nil:
			errs = append(errs, err)
		case seen[pc.name]:
			errs = append(errs, errorsx.AlreadyExists.New("health: duplicate check name", "check", pc.name))
		default:
			seen[pc.name] = true
			r.checks = append(r.checks, ch)
		}
	}
	if err := errorsx.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, errorsx.Wrap(err, "health: setup")
	}
	slices.SortFunc(r.checks, func(a, b *check) int { return strings.Compare(a.name, b.name) })
	r.notify = newNotifier(o.listeners)
	r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	r.notify.start()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.checks {
		r.goLoop(c)
	}
	r.publishLocked()
	return r, nil
}

// Register adds a check named name and starts it at once: until its first
// run ends, it fails readiness and startup (unless startup has already
// passed), not liveness. Names are what probes, logs, gRPC
// service names and ?exclude= use: keep them short, without "/", ",", "?",
// ":" (it separates component and measurement in health+json keys) or
// spaces. The names of the probes are reserved, in any case: "liveness",
// "readiness", "startup" (gRPC service names) and "livez", "readyz",
// "startupz", "healthz" (HTTP paths), so that a check can never answer for
// a probe. Register fails with an errorsx error: InvalidArgument for an
// empty, malformed or reserved name, a nil checker or a [CheckOption] out
// of range; AlreadyExists for a duplicate name; FailedPrecondition after
// [Registry.Shutdown].
func (r *Registry) Register(name string, c Checker, opts ...CheckOption) error {
	ch, err := newCheck(name, c, opts)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return errorsx.FailedPrecondition.New("health: Register after Shutdown", "check", name)
	}
	for _, ch := range r.checks {
		if ch.name == name {
			return errorsx.AlreadyExists.New("health: duplicate check name", "check", name)
		}
	}
	r.checks = append(r.checks, ch)
	slices.SortFunc(r.checks, func(a, b *check) int { return strings.Compare(a.name, b.name) })
	// Under r.mu, which Shutdown takes before it waits: the Add happens
	// before the Wait.
	r.goLoop(ch)
	r.publishLocked()
	return nil
}

// goLoop runs c's loop on a goroutine of its own; r.mu is held.
func (r *Registry) goLoop(c *check) {
	r.running.Add(1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.running.Add(-1)
		r.loop(r.ctx, c)
	}()
}

// newCheck validates a check and its options.
func newCheck(name string, c Checker, opts []CheckOption) (*check, error) {
	cfg := checkConfig{sets: Readiness, interval: DefaultInterval, timeout: DefaultTimeout, critical: true}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	switch {
	case name == "" || strings.ContainsAny(name, "/,?: \t\r\n"):
		return nil, errorsx.InvalidArgument.New("health: check name must be non-empty, without '/', ',', '?', ':' or spaces", "check", name)
	case reservedNames[strings.ToLower(name)]:
		return nil, errorsx.InvalidArgument.New("health: check name is reserved for a probe", "check", name)
	case c == nil || isNilFunc(c):
		return nil, errorsx.InvalidArgument.New("health: nil checker", "check", name)
	case len(cfg.errs) > 0:
		return nil, errorsx.With(errorsx.Join(cfg.errs...), "check", name)
	}
	ch := &check{name: name, checker: c, cfg: cfg}
	ch.res = Result{
		Name: name, Sets: cfg.sets, Critical: cfg.critical,
		Interval: cfg.interval, Timeout: cfg.timeout,
		Component: cfg.component,
		Status:    StatusFail, Pending: true,
	}
	return ch, nil
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

// Shutdown stops the checks and waits, until ctx is done, for running
// checks to return, then for the listeners to be given the changes still
// queued. At once it publishes a last snapshot,
// marked [Snapshot.Stopped]: package grpchealth then ends its Watch
// streams, so that a gRPC server's GracefulStop does not wait for
// watchers. A check that ignores its context keeps its goroutine until it
// returns; Shutdown then reports it, as an errorsx.DeadlineExceeded error
// naming the stuck checks. Shutdown may be called more than once, and from
// several goroutines; each call waits as the first does.
func (r *Registry) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.cancel()
	if !r.stopped {
		r.stopped = true
		r.publishLocked()
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		// The checks have returned, so no change is left to queue: the
		// listeners get the ones queued, within ctx.
		r.notify.stop()
		return r.notify.wait(ctx)
	case <-ctx.Done():
		r.notify.stop()
		if r.running.Load() == 0 {
			return nil // done, though the goroutine that closes it has not run yet
		}
		var stuck []string
		for _, res := range r.Snapshot().results {
			if res.Stuck {
				stuck = append(stuck, res.Name)
			}
		}
		return errorsx.DeadlineExceeded.New("health: checks still running at shutdown", "stuck", strings.Join(stuck, ","))
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
	if !s.started && s.compute(Startup, nil) != StatusFail {
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
