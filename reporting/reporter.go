package reporting

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
)

// Reporter turns panics, errors and error logs into Sentry events and
// delivers them: to Sentry when a DSN is set, to the outbox otherwise or
// when Sentry cannot be reached. Make one with [Setup] at the start of
// main and call [Reporter.Shutdown] at the end. All methods are safe for
// concurrent use.
type Reporter struct {
	cfg         config
	dsn         string
	release     string
	environment string
	serverName  string
	client      *sentry.Client
	hub         *sentry.Hub // the base hub; requests and goroutines clone it
	scrub       *scrubber
	outbox      *Outbox // nil with WithTransport
	sender      *sender // nil without a DSN
	storm       *storm
	queue       *queue
	recent      recent
	log         *zap.Logger

	wake     chan struct{}
	flushReq chan chan struct{}
	stop     chan struct{}
	done     chan struct{}
	sendCtx  context.Context
	cancel   context.CancelFunc
	shutOnce sync.Once

	pending atomic.Bool // the outbox holds envelopes to send to Sentry
	closed  atomic.Bool // Shutdown has begun: new events are dropped
	// Owned by the worker goroutine.
	backoff      time.Duration
	nextAttempt  time.Time // backoff after a failure
	limitedUntil time.Time // Sentry's rate limit: even Flush waits for it

	captured, sent, failed, outboxed, replayed atomic.Int64
}

// Stats are the reporter's counters since [Setup].
type Stats struct {
	// Captured counts events accepted for delivery.
	Captured int64
	// Suppressed counts occurrences held back by storm control.
	Suppressed int64
	// Dropped counts events dropped because the queue was full (the
	// oldest go first).
	Dropped int64
	// Sent counts events delivered to Sentry (or to the transport given
	// with WithTransport), outbox replays included.
	Sent int64
	// Outboxed counts events written to the outbox; Replayed those later
	// sent from it; Evicted those removed to keep it in its bound.
	Outboxed, Replayed, Evicted int64
	// Failed counts events that could not be encoded, written or were
	// rejected by Sentry as invalid.
	Failed int64
}

// Stats returns the reporter's counters.
func (r *Reporter) Stats() Stats {
	s := Stats{
		Captured:   r.captured.Load(),
		Suppressed: r.storm.suppressedTotal(),
		Dropped:    r.queue.droppedTotal(),
		Sent:       r.sent.Load(),
		Outboxed:   r.outboxed.Load(),
		Replayed:   r.replayed.Load(),
		Failed:     r.failed.Load(),
	}
	if r.outbox != nil {
		s.Evicted = r.outbox.Stats().Evicted
	}
	return s
}

// Setup makes a Reporter. It reads SENTRY_DSN, SENTRY_ENVIRONMENT and
// SENTRY_RELEASE unless the matching option is given. The release is, in
// order: [WithRelease], SENTRY_RELEASE, the VCS revision recorded in the
// binary's build information, the main module's version, "unknown"; it is
// always set, so that sentry-go never runs git to guess one.
//
// Without a DSN, events are written to the outbox ([WithOutbox]). A
// malformed DSN or an outbox directory that cannot be written is an
// error. Setup starts one goroutine, which [Reporter.Shutdown] stops.
func Setup(opts ...Option) (*Reporter, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	r := &Reporter{cfg: cfg, log: cfg.logger, scrub: newScrubber(cfg.scrub)}
	r.dsn = valueOrEnv(cfg.dsn, "SENTRY_DSN")
	r.environment = valueOrEnv(cfg.environment, "SENTRY_ENVIRONMENT")
	r.release = valueOrEnv(cfg.release, "SENTRY_RELEASE")
	if r.release == "" {
		r.release = buildRelease()
	}
	r.serverName = cfg.serverName
	if r.serverName == "" {
		r.serverName, _ = os.Hostname()
	}
	if r.dsn != "" && cfg.transport == nil {
		dsn, err := sentry.NewDsn(r.dsn)
		if err != nil {
			// The DSN holds a key: say what is wrong, not what it is.
			return nil, errorsx.InvalidArgument.Wrap(err, "reporting: malformed Sentry DSN (SENTRY_DSN or WithDSN)")
		}
		r.sender = newSender(dsn, cfg.sendTimeout)
	}
	if cfg.transport == nil {
		dir := cfg.outboxDir
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				return nil, errorsx.FailedPrecondition.Wrap(err, "reporting: no outbox directory: set one with WithOutbox")
			}
			dir = filepath.Join(cache, "supportkit", "outbox")
		}
		ob, err := OpenOutbox(dir, cfg.outboxMaxBytes)
		if err != nil {
			return nil, errorsx.FailedPrecondition.Wrap(err, "")
		}
		r.outbox = ob
	}
	if cfg.queueSize <= 0 {
		cfg.queueSize = 1
	}
	r.storm = newStorm(cfg.stormRate, cfg.stormBurst)
	r.queue = newQueue(cfg.queueSize)
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:                  r.dsn,
		Release:              r.release,
		Environment:          r.environment,
		ServerName:           r.serverName,
		Transport:            &clientTransport{r: r},
		BeforeSend:           r.beforeSend,
		DisableClientReports: true,
		SampleRate:           1,
	})
	if err != nil {
		return nil, errorsx.InvalidArgument.Wrap(err, "reporting: sentry client")
	}
	r.client = client
	r.hub = sentry.NewHub(client, sentry.NewScope())
	r.wake = make(chan struct{}, 1)
	r.flushReq = make(chan chan struct{})
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	r.sendCtx, r.cancel = context.WithCancel(context.Background())
	r.backoff = cfg.retryMin
	if r.sender != nil && r.outbox != nil {
		if entries, _ := r.outbox.List(); len(entries) > 0 {
			r.pending.Store(true) // left by an earlier process: send now
		}
	}
	r.log.Info("reporting set up",
		zap.Bool("sentry", r.sender != nil),
		zap.String("outbox", r.OutboxDir()),
		zap.String("release", r.release),
		zap.String("environment", r.environment))
	go r.run()
	return r, nil
}

func valueOrEnv(v *string, env string) string {
	if v != nil {
		return *v
	}
	return os.Getenv(env)
}

// buildRelease names the release from the binary's build information.
func buildRelease() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			return s.Value
		}
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return info.Main.Path + "@" + v
	}
	return "unknown"
}

// Release returns the release events are tagged with.
func (r *Reporter) Release() string { return r.release }

// OutboxDir returns the outbox directory, or "" when events go to a
// transport given with [WithTransport].
func (r *Reporter) OutboxDir() string {
	if r.outbox == nil {
		return ""
	}
	return r.outbox.Dir()
}

// Hub returns the reporter's base hub. Requests and goroutines get clones
// of it; use it directly only outside of any request.
func (r *Reporter) Hub() *sentry.Hub { return r.hub }

// Flush waits until every event captured before the call has been
// delivered or written to the outbox, and, with a DSN, tries once more to
// send the outbox. It returns ctx's error if ctx ends first.
func (r *Reporter) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case r.flushReq <- done:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("reporting: flush: %w", ctx.Err())
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("reporting: flush: %w", ctx.Err())
	}
}

// Shutdown flushes (see [Reporter.Flush]) within ctx's deadline, then
// stops the reporter's goroutine and connections. Events that could not be
// delivered stay in the outbox and are sent by the next process. It logs
// one line summarising the outbox. Events captured after Shutdown are
// dropped (and counted in Stats.Dropped). Calling it again does nothing.
func (r *Reporter) Shutdown(ctx context.Context) error {
	var err error
	r.shutOnce.Do(func() {
		err = r.Flush(ctx)
		r.closed.Store(true)
		r.cancel() // abort a send still in flight
		close(r.stop)
		<-r.done
		r.client.Close()
		if r.sender != nil {
			r.sender.transport.CloseIdleConnections()
		}
		r.summarise()
	})
	return err
}

// summarise writes the one line that tells where undelivered events are.
func (r *Reporter) summarise() {
	if r.outbox == nil {
		return
	}
	entries, _ := r.outbox.List()
	var size int64
	for _, e := range entries {
		size += e.Size
	}
	st := r.Stats()
	if st.Outboxed == 0 && len(entries) == 0 {
		return
	}
	r.log.Info("reporting outbox",
		zap.String("outbox", r.outbox.Dir()),
		zap.Int64("written", st.Outboxed),
		zap.Int64("evicted", st.Evicted),
		zap.Int64("replayed", st.Replayed),
		zap.Int("files", len(entries)),
		zap.Int64("bytes", size),
		zap.Bool("sentry", r.sender != nil))
}

// run is the reporter's one goroutine: it builds events, delivers them and
// retries the outbox.
func (r *Reporter) run() {
	defer close(r.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.retry(false)
		wait := time.Hour
		if r.pending.Load() && r.sender != nil {
			wait = max(time.Until(r.nextAttempt), time.Until(r.limitedUntil), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-r.wake:
			r.drain()
		case done := <-r.flushReq:
			r.drain()
			r.retry(true)
			close(done)
		case <-timer.C:
		case <-r.stop:
			r.drain()
			return
		}
	}
}

func (r *Reporter) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Reporter) drain() {
	for {
		it, ok := r.queue.pop()
		if !ok {
			return
		}
		if it.job != nil {
			ev := r.build(it.job)
			if ev = r.process(ev, it.job.scope, it.job.hint()); ev != nil {
				r.deliver(ev)
			}
		} else if it.ev != nil {
			r.deliver(it.ev)
		}
	}
}

// process does to one of our events what sentry's client does to the
// events it captures: scope, defaults, scrubbing and BeforeSend.
func (r *Reporter) process(ev *sentry.Event, scope *sentry.Scope, hint *sentry.EventHint) *sentry.Event {
	if scope == nil {
		scope = r.hub.Scope()
	}
	ev.Platform = "go"
	ev.Release, ev.Environment, ev.ServerName = r.release, r.environment, r.serverName
	ev.Sdk = sentry.SdkInfo{Name: "sentry.go", Version: sentry.SDKVersion,
		Packages: []sentry.SdkPackage{{Name: "sentry-go", Version: sentry.SDKVersion}}}
	// The scope replaces the trace context with its own propagation
	// context; ours comes from the otel span and wins.
	tc, hasTC := ev.Contexts["trace"]
	if ev = scope.ApplyToEvent(ev, hint, r.client); ev == nil {
		return nil
	}
	if hasTC {
		ev.Contexts["trace"] = tc
	}
	return r.beforeSend(ev, hint)
}

func (r *Reporter) beforeSend(ev *sentry.Event, hint *sentry.EventHint) *sentry.Event {
	ev = r.scrub.event(ev)
	if r.cfg.beforeSend != nil && ev != nil {
		ev = r.cfg.beforeSend(ev, hint)
	}
	return ev
}

// deliver sends one processed event (worker goroutine only).
func (r *Reporter) deliver(ev *sentry.Event) {
	if r.cfg.transport != nil {
		r.cfg.transport.SendEvent(ev)
		r.sent.Add(1)
		return
	}
	env, err := EncodeEvent(ev)
	if err != nil {
		r.failed.Add(1)
		r.log.Warn("reporting: event cannot be encoded", zap.String("event_id", string(ev.EventID)), zap.Error(err))
		return
	}
	if now := time.Now(); r.sender == nil || r.pending.Load() || now.Before(r.nextAttempt) || now.Before(r.limitedUntil) {
		// No Sentry, or Sentry is unreachable and older events wait
		// before this one: keep the order by queueing behind them.
		r.toOutbox(string(ev.EventID), env)
		return
	}
	res := r.sender.send(r.sendCtx, env, time.Now())
	r.afterSend(res)
	switch {
	case res.err == nil:
		r.sent.Add(1)
	case res.retryable:
		r.toOutbox(string(ev.EventID), env)
	default:
		r.failed.Add(1)
		r.log.Warn("reporting: Sentry rejected an event", zap.String("event_id", string(ev.EventID)), zap.Error(res.err))
	}
}

func (r *Reporter) toOutbox(id string, env []byte) {
	if _, err := r.outbox.Write(id, env); err != nil {
		r.failed.Add(1)
		r.log.Warn("reporting: event cannot be written to the outbox", zap.String("event_id", id), zap.Error(err))
		return
	}
	r.outboxed.Add(1)
	if r.sender != nil {
		r.pending.Store(true)
	}
}

// afterSend updates the backoff from one attempt's result.
func (r *Reporter) afterSend(res sendResult) {
	now := time.Now()
	if res.wait > 0 {
		r.limitedUntil = now.Add(res.wait)
	}
	if res.err == nil || !res.retryable {
		r.backoff = r.cfg.retryMin
		return
	}
	r.nextAttempt = now.Add(max(r.backoff, res.wait))
	r.backoff = min(r.backoff*2, r.cfg.retryMax)
	if r.backoff <= 0 {
		r.backoff = r.cfg.retryMin
	}
}

// retry sends the outbox when it is due; force ignores the backoff (not
// Sentry's rate limits), for Flush.
func (r *Reporter) retry(force bool) {
	if r.sender == nil || !r.pending.Load() {
		return
	}
	now := time.Now()
	if now.Before(r.limitedUntil) || (now.Before(r.nextAttempt) && !force) {
		return
	}
	var last sendResult
	n, err := r.outbox.Replay(func(name string, env []byte) error {
		if time.Now().Before(r.limitedUntil) {
			return errors.New("reporting: rate limited by Sentry")
		}
		last = r.sender.send(r.sendCtx, env, time.Now())
		r.afterSend(last)
		if last.err != nil && last.retryable {
			return last.err
		}
		if last.err != nil {
			r.failed.Add(1)
		} else {
			r.sent.Add(1)
		}
		return nil
	})
	r.replayed.Add(int64(n))
	if err == nil {
		r.pending.Store(false)
		if n > 0 {
			r.log.Info("reporting: outbox sent to Sentry", zap.Int("events", n), zap.String("outbox", r.outbox.Dir()))
		}
	}
}

// clientTransport receives the events captured through sentry-go's own API
// (hub.CaptureException and friends) on a reporter's hubs and delivers
// them as the reporter's own. It is also how a hub leads to its reporter.
type clientTransport struct{ r *Reporter }

var _ sentry.Transport = (*clientTransport)(nil)

func (t *clientTransport) Configure(sentry.ClientOptions) {}
func (t *clientTransport) SendEvent(ev *sentry.Event) {
	if ev.Type != "" && ev.Type != "event" {
		return // transactions, check-ins, logs: not ours to deliver
	}
	t.r.enqueue(item{ev: ev})
}
func (t *clientTransport) Flush(timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return t.r.Flush(ctx) == nil
}
func (t *clientTransport) FlushWithContext(ctx context.Context) bool { return t.r.Flush(ctx) == nil }
func (t *clientTransport) Close()                                    {}

// enqueue hands an item to the worker without blocking. After Shutdown
// there is no worker: the item is counted as dropped.
func (r *Reporter) enqueue(it item) {
	if r.closed.Load() {
		r.queue.dropOne()
		return
	}
	r.queue.push(it)
	r.captured.Add(1)
	r.signal()
}
