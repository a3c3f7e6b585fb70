package reporting

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting/internal/appframes"
	"github.com/supportkit/supportkit/reporting/internal/delivery"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// Reporter turns panics, errors and error logs into Sentry events and
// keeps them until Sentry has them: each event is written to the outbox
// (or, when the outbox cannot take it, a bounded memory buffer) before any
// network attempt, and a separate goroutine delivers the outbox to the
// project of the DSN. Make one with [Setup] at the start of main and call
// [Reporter.Shutdown] at the end. All methods are safe for concurrent use.
type Reporter struct {
	cfg         config
	dsn         string
	release     string
	environment string
	serverName  string
	client      *sentry.Client
	hub         *sentry.Hub // the base hub; requests and goroutines clone it
	scrub       *scrubber
	outbox      *outbox.Outbox     // nil with WithTransport, or when it could not be opened
	pipe        *delivery.Pipeline // nil with WithTransport
	storm       *storm
	queue       *queue
	inApp       appframes.Rule // which frames are the application's
	proc        processInfo    // what every event says about the process
	baseTrace   sentry.TraceID // the base hub's trace, which no event may carry
	recent      recent
	log         *zap.Logger

	wake     chan struct{}
	flushReq chan chan struct{}
	stop     chan struct{}
	done     chan struct{}
	shutOnce sync.Once

	closed atomic.Bool // Shutdown has begun: new events are dropped

	captured, sent, failed atomic.Int64
}

// Stats are the reporter's counters since [Setup].
type Stats struct {
	// Captured counts events accepted for delivery.
	Captured int64
	// Suppressed counts occurrences held back by storm control.
	Suppressed int64
	// Dropped counts events lost: the queue was full (the oldest go
	// first), the event came after Shutdown, or it could be kept
	// nowhere (no outbox and no DSN, or the memory buffer overflowed).
	Dropped int64
	// Sent counts events delivered to Sentry (or to the transport given
	// with WithTransport).
	Sent int64
	// Replayed counts those of Sent that this reporter did not capture:
	// read back from the outbox, where an earlier run (or a crash
	// monitor, or another process sharing the outbox) left them. A
	// metrics package counts replays with it.
	Replayed int64
	// Outboxed counts events written to the outbox; Evicted those removed
	// to keep it in its bound.
	Outboxed, Evicted int64
	// Buffered counts events kept in memory because the outbox could not
	// take them.
	Buffered int64
	// Rejected counts events Sentry refused as invalid (400, or 413 even
	// once made smaller); they are kept in the outbox's rejected/ area.
	Rejected int64
	// Shrunk counts events cut down to fit Sentry's size limits.
	Shrunk int64
	// DeliveryFailures counts attempts to send that failed and will be
	// retried (network, 5xx, 429, 401, 403, 404).
	DeliveryFailures int64
	// Failed counts events that could not be encoded.
	Failed int64
	// OutboxFiles and OutboxBytes are what the outbox holds now, as far
	// as this process knows.
	OutboxFiles int
	OutboxBytes int64
}

// Stats returns the reporter's counters.
func (r *Reporter) Stats() Stats {
	s := Stats{
		Captured:   r.captured.Load(),
		Suppressed: r.storm.suppressedTotal(),
		Dropped:    r.queue.droppedTotal(),
		Sent:       r.sent.Load(),
		Failed:     r.failed.Load(),
	}
	if r.pipe != nil {
		p := r.pipe.Stats()
		s.Sent += p.Sent
		s.Replayed = p.Replayed
		s.Outboxed, s.Buffered, s.Rejected, s.Shrunk, s.DeliveryFailures = p.Outboxed, p.Buffered, p.Rejected, p.Shrunk, p.Failures
		s.Dropped += p.Dropped
	}
	if r.outbox != nil {
		o := r.outbox.Stats()
		s.Evicted, s.OutboxFiles, s.OutboxBytes = o.Evicted, o.Files, o.Bytes
	}
	return s
}

// Setup makes a Reporter. It reads SENTRY_DSN, SENTRY_ENVIRONMENT and
// SENTRY_RELEASE unless the matching option is given. The release is, in
// order: [WithRelease], SENTRY_RELEASE, or from the binary's build
// information "<name>@<version>" (name the last element of the main
// module's path, version the module's version or else the first 12 digits
// of the VCS revision, "-dirty" when modified); when none is known, events
// carry no release. A given release that Sentry would reject (a "/",
// newline or tab, "." or "..", "latest", over 200 characters) is an error
// naming its source. sentry-go never runs git to guess one.
//
// Options are checked first: an out-of-range value is an error naming the
// option. A malformed DSN is an error too. The outbox never is: when its
// directory cannot be used (a read-only file system), Setup logs one
// warning and the reporter keeps events in a bounded memory buffer instead
// (with a DSN) or counts what it drops (without one). Setup starts two
// goroutines, which [Reporter.Shutdown] stops.
//
// Setup does no long work: it opens the outbox and returns; the events an
// earlier run left there are sent in the background (and counted in
// [Stats].Replayed). A ctx that has already ended is an error; a nil ctx
// is taken as context.Background.
func Setup(ctx context.Context, opts ...Option) (*Reporter, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reporting: setup: %w", err)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	r := &Reporter{cfg: cfg, log: cfg.logger, scrub: newScrubber(cfg.scrub)}
	r.dsn = valueOrEnv(cfg.dsn, "SENTRY_DSN")
	r.environment = valueOrEnv(cfg.environment, "SENTRY_ENVIRONMENT")
	r.inApp = appframes.New(cfg.inAppPrefixes...)
	r.proc = newProcessInfo(time.Now())
	r.release = valueOrEnv(cfg.release, "SENTRY_RELEASE")
	if r.release != "" {
		if problem := releaseProblem(r.release); problem != "" {
			from := "SENTRY_RELEASE"
			if cfg.release != nil {
				from = "WithRelease"
			}
			return nil, errorsx.InvalidArgument.Errorf("reporting: release %q (%s): %s", r.release, from, problem)
		}
	} else {
		r.release = r.proc.release
	}
	r.serverName = cfg.serverName
	if r.serverName == "" {
		r.serverName, _ = os.Hostname()
	}
	if r.dsn != "" && cfg.transport == nil {
		if _, err := sentry.NewDsn(r.dsn); err != nil {
			// The DSN holds a key: say what is wrong, not what it is.
			return nil, errorsx.InvalidArgument.New("reporting: malformed Sentry DSN (SENTRY_DSN or WithDSN)")
		}
		if _, err := outbox.Destination(r.dsn); err != nil {
			return nil, errorsx.InvalidArgument.New("reporting: Sentry DSN without a project (SENTRY_DSN or WithDSN)")
		}
	}
	if cfg.transport == nil {
		r.outbox = r.openOutbox()
		pipe, err := delivery.New(delivery.Config{
			DSN:         r.dsn,
			Outbox:      r.outbox,
			SendTimeout: cfg.sendTimeout,
			RetryMin:    cfg.retryMin,
			RetryMax:    cfg.retryMax,
			Logger:      r.log,
		})
		if err != nil {
			if r.outbox != nil {
				_ = r.outbox.Close()
			}
			return nil, errorsx.InvalidArgument.Wrap(err, "reporting")
		}
		r.pipe = pipe
	}
	r.storm = newStorm(cfg.stormRate, cfg.stormBurst)
	r.queue = newQueue(cfg.queueSize)
	clientRelease := r.release
	if clientRelease == "" {
		// sentry-go guesses a release (running git) when it has none;
		// it gets a placeholder, taken off its events in beforeSendAPI.
		clientRelease = noRelease
	}
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:                  r.dsn,
		Release:              clientRelease,
		Environment:          r.environment,
		ServerName:           r.serverName,
		Transport:            &clientTransport{r: r},
		BeforeSend:           r.beforeSendAPI,
		DisableClientReports: true,
		SampleRate:           1,
	})
	if err != nil {
		r.closeDelivery(context.Background())
		return nil, errorsx.InvalidArgument.New("reporting: sentry client cannot be made from these options")
	}
	r.client = client
	r.hub = sentry.NewHub(client, sentry.NewScope())
	r.baseTrace = newTraceID()
	r.hub.Scope().SetPropagationContext(sentry.PropagationContext{TraceID: r.baseTrace, SpanID: newSpanID()})
	r.wake = make(chan struct{}, 1)
	r.flushReq = make(chan chan struct{})
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	r.log.Info("reporting set up",
		zap.Bool("sentry", r.dsn != "" && cfg.transport == nil),
		zap.String("outbox", r.OutboxDir()),
		zap.String("release", r.release),
		zap.String("environment", r.environment))
	go r.run()
	return r, nil
}

// openOutbox opens the configured or default outbox, or says in one
// warning why there is none.
func (r *Reporter) openOutbox() *outbox.Outbox {
	dir := r.cfg.outboxDir
	if dir == "" {
		d, err := outbox.DefaultDir("")
		if err != nil {
			r.log.Warn("reporting: no outbox: "+r.withoutOutbox(), zap.Error(err))
			return nil
		}
		dir = d
	}
	ob, err := outbox.Open(dir, outbox.Options{
		MaxBytes: r.cfg.outboxMaxBytes,
		// An event with its attachments (WithSnapshots) may take a
		// quarter of the outbox, so that one never evicts the backlog.
		MaxEnvelopeBytes: envelopeLimit(r.cfg.outboxMaxBytes),
	})
	if err != nil {
		r.log.Warn("reporting: the outbox cannot be used: "+r.withoutOutbox(), zap.String("outbox", dir), zap.Error(err))
		return nil
	}
	return ob
}

func (r *Reporter) withoutOutbox() string {
	if r.dsn != "" {
		return "events wait for Sentry in a bounded memory buffer, and are lost if the process dies"
	}
	return "without a DSN events cannot be kept, and are counted as dropped"
}

func valueOrEnv(v *string, env string) string {
	if v != nil {
		return *v
	}
	return os.Getenv(env)
}

// Release returns the release events are tagged with, or "" when they
// carry none (see [Setup]).
func (r *Reporter) Release() string { return r.release }

// OutboxDir returns the outbox directory, or "" when there is none (events
// go to a transport given with [WithTransport], or the outbox could not be
// opened).
func (r *Reporter) OutboxDir() string {
	if r.outbox == nil {
		return ""
	}
	return r.outbox.Dir()
}

// Hub returns the reporter's base hub. Requests and goroutines get clones
// of it; use it directly only outside of any request.
func (r *Reporter) Hub() *sentry.Hub { return r.hub }

// Flush waits until every event captured before the call has been written
// to the outbox (or handed to the transport), then makes one attempt to
// deliver the outbox, ignoring the backoff but not Sentry's rate limits. It
// returns ctx's error if ctx ends first.
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
	case <-ctx.Done():
		return fmt.Errorf("reporting: flush: %w", ctx.Err())
	}
	if r.pipe != nil {
		if err := r.pipe.Flush(ctx); err != nil {
			return fmt.Errorf("reporting: flush: %w", err)
		}
	}
	return nil
}

// Shutdown stops taking events, writes those still queued to the outbox,
// makes a last attempt to deliver, and returns by ctx's deadline whatever
// happens on the network: what is undelivered stays in the outbox for the
// next start. It logs one line summarising the outbox. Events captured
// after Shutdown are dropped (and counted in Stats.Dropped). Calling it
// again does nothing.
func (r *Reporter) Shutdown(ctx context.Context) error {
	var err error
	r.shutOnce.Do(func() {
		r.closed.Store(true)
		close(r.stop)
		select {
		case <-r.done:
		case <-ctx.Done():
			// Building and writing events is local work; if even that
			// does not finish in time, say so and let it end on its own.
			err = fmt.Errorf("reporting: shutdown: events still being written to the outbox: %w", ctx.Err())
		}
		for { // captured while Shutdown began: nobody will build them now
			if _, ok := r.queue.pop(); !ok {
				break
			}
			r.queue.dropOne()
		}
		r.client.Close()
		if e := r.closeDelivery(ctx); err == nil && e != nil {
			err = fmt.Errorf("reporting: shutdown: undelivered events stay in the outbox: %w", e)
		}
		r.summarise()
	})
	return err
}

func (r *Reporter) closeDelivery(ctx context.Context) error {
	var err error
	if r.pipe != nil {
		err = r.pipe.Shutdown(ctx)
	}
	if r.outbox != nil {
		_ = r.outbox.Close()
	}
	return err
}

// summarise writes the one line that tells where undelivered events are.
func (r *Reporter) summarise() {
	if r.pipe == nil {
		return
	}
	st := r.Stats()
	if st.Outboxed == 0 && st.OutboxFiles == 0 && st.Dropped == 0 && st.Buffered == 0 {
		return
	}
	r.log.Info("reporting outbox",
		zap.String("outbox", r.OutboxDir()),
		zap.Int64("written", st.Outboxed),
		zap.Int64("sent", st.Sent),
		zap.Int64("evicted", st.Evicted),
		zap.Int64("rejected", st.Rejected),
		zap.Int64("dropped", st.Dropped),
		zap.Int("files", st.OutboxFiles),
		zap.Int64("bytes", st.OutboxBytes),
		zap.Bool("sentry", r.pipe.Sending()))
}

// run is the reporter's worker: it builds the events of queued jobs and
// keeps them (outbox or memory buffer). It never waits for the network:
// delivery is the pipeline's goroutine's.
func (r *Reporter) run() {
	defer close(r.done)
	for {
		select {
		case <-r.wake:
			r.drain()
		case done := <-r.flushReq:
			r.drain()
			close(done)
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
				r.keep(ev)
			}
		} else if it.ev != nil {
			r.keep(it.ev)
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
	if ev != nil {
		// After scrubbing: what is true of the process holds no secret,
		// and scrubbing it for each event would cost the worker time.
		r.proc.decorate(ev)
	}
	if r.cfg.beforeSend != nil && ev != nil {
		ev = r.cfg.beforeSend(ev, hint)
	}
	return ev
}

// keep hands one processed event to the transport, or encodes it for its
// project and puts it in the pipeline (outbox first, network later).
func (r *Reporter) keep(ev *sentry.Event) {
	if len(ev.Attachments) > 0 {
		atts := ev.Attachments
		ev.Attachments = nil
		alone, err := outbox.EncodeEvent(ev, "")
		ev.Attachments = atts
		if err == nil {
			fitAttachments(ev, len(alone), envelopeLimit(r.cfg.outboxMaxBytes))
		}
	}
	if r.cfg.transport != nil {
		r.cfg.transport.SendEvent(ev)
		r.sent.Add(1)
		return
	}
	env, err := outbox.EncodeEvent(ev, r.pipe.Destination())
	if err != nil {
		r.failed.Add(1)
		r.log.Warn("reporting: event cannot be encoded", zap.String("event_id", string(ev.EventID)), zap.Error(err))
		return
	}
	r.pipe.Put(string(ev.EventID), env)
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
