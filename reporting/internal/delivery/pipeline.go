package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// Config configures a [Pipeline]. The zero value of each field is its
// documented default.
type Config struct {
	// DSN is the Sentry project to deliver to, with its key. Empty: keep
	// events in the outbox and never send them.
	DSN string
	// Outbox keeps events until they are delivered. Nil: events wait in a
	// bounded memory buffer instead (lost if the process dies).
	Outbox *outbox.Outbox
	// MemoryBytes bounds the memory buffer used when the outbox is
	// missing or failing (default 4 MiB); the oldest events go first.
	MemoryBytes int64
	// SendTimeout bounds one request to Sentry (default 10 s).
	SendTimeout time.Duration
	// RetryMin and RetryMax bound the backoff after a failed attempt
	// (defaults 1 s and 1 min); Sentry's rate limits come on top.
	RetryMin, RetryMax time.Duration
	// RescanEvery is how often the outbox is looked at for envelopes
	// that other processes left for the same project (default 30 s).
	RescanEvery time.Duration
	// Logger receives one line per streak of failures and one when it
	// ends. Nil: no log output.
	Logger *zap.Logger
}

// Stats are a pipeline's counters.
type Stats struct {
	// Outboxed counts envelopes written to the outbox.
	Outboxed int64
	// Buffered counts envelopes kept in memory because the outbox could
	// not take them (or there is none).
	Buffered int64
	// Dropped counts envelopes lost: the memory buffer overflowed, or
	// there was neither an outbox nor a DSN, or Shutdown could keep
	// them nowhere.
	Dropped int64
	// Sent counts envelopes Sentry accepted.
	Sent int64
	// Replayed counts those of Sent that this pipeline did not Put: found
	// in the outbox (left by an earlier run, or another process's).
	Replayed int64
	// Rejected counts envelopes Sentry refused as invalid (400, or 413
	// that could not be made smaller), kept in the outbox's rejected/ area.
	Rejected int64
	// Shrunk counts envelopes made smaller to fit Sentry's limits.
	Shrunk int64
	// Failures counts attempts that did not deliver (network, 5xx, 429,
	// 401/403/404).
	Failures int64
}

// Pipeline takes envelopes, keeps them durable and delivers them to one
// Sentry project from a goroutine of its own, so that persisting an event
// never waits for the network. It is safe for concurrent use.
type Pipeline struct {
	cfg    Config
	dest   string // the project's destination; "" without a DSN
	ob     *outbox.Outbox
	sender *sender
	log    *zap.Logger

	mu       sync.Mutex
	mem      []memItem // oldest first
	memBytes int64

	wake     chan struct{}
	flushReq chan chan struct{}
	stop     chan struct{}
	done     chan struct{}
	sendCtx  context.Context
	cancel   context.CancelFunc
	shutOnce sync.Once

	writeStreak streak // outbox writes, under mu

	// Owned by the goroutine.
	backoff      time.Duration
	nextAttempt  time.Time
	limitedUntil time.Time
	lastRescan   time.Time
	idle         bool // nothing was left to send at the last look
	sendStreak   streak

	outboxed, buffered, dropped, sent, replayed, rejected, shrunk, failures atomic.Int64
}

type memItem struct {
	id  string
	env []byte
}

// streak remembers a run of failures of one kind, so that it is logged
// when it starts and when it ends, not at every attempt.
type streak struct {
	key   string
	start time.Time
	count int64
}

// New checks cfg and starts the pipeline's goroutine; [Pipeline.Shutdown]
// stops it.
func New(cfg Config) (*Pipeline, error) {
	if cfg.MemoryBytes < 0 || cfg.SendTimeout < 0 || cfg.RetryMin < 0 || cfg.RetryMax < 0 || cfg.RescanEvery < 0 {
		return nil, errors.New("delivery: negative bound in Config")
	}
	if cfg.MemoryBytes == 0 {
		cfg.MemoryBytes = 4 << 20
	}
	if cfg.SendTimeout == 0 {
		cfg.SendTimeout = 10 * time.Second
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = time.Minute
	}
	if cfg.RetryMax < cfg.RetryMin {
		return nil, fmt.Errorf("delivery: RetryMax %s is below RetryMin %s", cfg.RetryMax, cfg.RetryMin)
	}
	if cfg.RescanEvery == 0 {
		cfg.RescanEvery = 30 * time.Second
	}
	p := &Pipeline{cfg: cfg, ob: cfg.Outbox, log: cfg.Logger}
	if p.log == nil {
		p.log = zap.NewNop()
	}
	if cfg.DSN != "" {
		dsn, err := sentry.NewDsn(cfg.DSN)
		if err != nil {
			return nil, errors.New("delivery: malformed Sentry DSN") // never the DSN: it holds a key
		}
		dest, err := outbox.Destination(cfg.DSN)
		if err != nil {
			return nil, err
		}
		p.dest = dest
		p.sender = newSender(dsn, cfg.SendTimeout)
	}
	p.wake = make(chan struct{}, 1)
	p.flushReq = make(chan chan struct{})
	p.stop = make(chan struct{})
	p.done = make(chan struct{})
	p.sendCtx, p.cancel = context.WithCancel(context.Background())
	p.backoff = cfg.RetryMin
	go p.run()
	return p, nil
}

// Destination is the project envelopes are kept for and sent to ("" without a DSN).
func (p *Pipeline) Destination() string { return p.dest }

// Sending reports whether the pipeline delivers to Sentry (it has a DSN).
func (p *Pipeline) Sending() bool { return p.sender != nil }

// Put keeps one envelope: in the outbox, or, when the outbox cannot take
// it, in the memory buffer; it never touches the network. An event over
// Sentry's size limit is first cut down with [ShrinkEvent]; an envelope
// the outbox refuses as too large ([outbox.ErrTooLarge]) is kept without
// its attachments ([DropAttachments]). It returns where the envelope
// went: "outbox", "memory" or "" (dropped, counted and logged).
func (p *Pipeline) Put(eventID string, env []byte) string {
	if len(env) > MaxEventBytes {
		if small, ok := ShrinkEvent(env, MaxEventBytes); ok && len(small) < len(env) {
			env = small
			p.shrunk.Add(1)
		}
	}
	var where string
	if p.ob != nil {
		_, err := p.ob.Write(eventID, p.dest, env)
		if errors.Is(err, outbox.ErrTooLarge) {
			if small, ok := DropAttachments(env, "larger than the outbox keeps for one event"); ok {
				env = small
				p.shrunk.Add(1)
				_, err = p.ob.Write(eventID, p.dest, env)
			}
		}
		p.mu.Lock()
		if err == nil {
			p.endStreak(&p.writeStreak, "reporting: the outbox takes events again")
			p.mu.Unlock()
			p.outboxed.Add(1)
			p.signal()
			return "outbox"
		}
		p.startStreak(&p.writeStreak, "write", func() {
			p.log.Warn("reporting: events cannot be written to the outbox; keeping them in memory",
				zap.String("outbox", p.ob.Dir()), zap.Error(err))
		})
		p.mu.Unlock()
	}
	if p.sender == nil {
		// Nobody would ever read it from memory.
		p.dropped.Add(1)
		return ""
	}
	if len(env) > int(p.cfg.MemoryBytes/4) {
		// One event's attachments must not push the others out of memory.
		if small, ok := DropAttachments(env, "larger than the memory buffer keeps for one event while the outbox cannot be written"); ok {
			env = small
			p.shrunk.Add(1)
		}
	}
	p.mu.Lock()
	p.mem = append(p.mem, memItem{id: eventID, env: env})
	p.memBytes += int64(len(env))
	for p.memBytes > p.cfg.MemoryBytes && len(p.mem) > 1 {
		p.memBytes -= int64(len(p.mem[0].env))
		p.mem[0] = memItem{}
		p.mem = p.mem[1:]
		p.dropped.Add(1)
	}
	p.mu.Unlock()
	p.buffered.Add(1)
	where = "memory"
	p.signal()
	return where
}

func (p *Pipeline) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Flush tries at once to deliver everything kept, ignoring the backoff but
// not Sentry's rate limits, and returns when that attempt is over or ctx
// ends.
func (p *Pipeline) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case p.flushReq <- done:
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown makes a last attempt to deliver, returns by ctx's deadline
// (aborting a send in flight), and stops the goroutine. Envelopes not
// delivered stay in the outbox for the next start; those in the memory
// buffer are written to the outbox if it takes them now, and are
// otherwise counted as dropped. Calling it again does nothing.
func (p *Pipeline) Shutdown(ctx context.Context) error {
	var err error
	p.shutOnce.Do(func() {
		close(p.stop)
		select {
		case <-p.done:
		case <-ctx.Done():
			err = ctx.Err()
			p.cancel()
			<-p.done
		}
		p.cancel()
		p.persistMemory()
		if p.sender != nil {
			p.sender.transport.CloseIdleConnections()
		}
	})
	return err
}

// persistMemory moves what is left in memory to the outbox, or counts it lost.
func (p *Pipeline) persistMemory() {
	p.mu.Lock()
	mem := p.mem
	p.mem, p.memBytes = nil, 0
	p.mu.Unlock()
	lost := 0
	for _, it := range mem {
		if p.ob != nil {
			if _, err := p.ob.Write(it.id, p.dest, it.env); err == nil {
				p.outboxed.Add(1)
				continue
			}
		}
		lost++
	}
	if lost > 0 {
		p.dropped.Add(int64(lost))
		p.log.Error("reporting: undelivered events lost at shutdown: the outbox could not keep them",
			zap.Int("events", lost))
	}
}

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Outboxed: p.outboxed.Load(), Buffered: p.buffered.Load(), Dropped: p.dropped.Load(),
		Sent: p.sent.Load(), Replayed: p.replayed.Load(), Rejected: p.rejected.Load(), Shrunk: p.shrunk.Load(),
		Failures: p.failures.Load(),
	}
}

// run is the pipeline's goroutine.
func (p *Pipeline) run() {
	defer close(p.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	p.idle = false // an earlier process may have left envelopes
	for {
		p.deliver(false)
		timer.Reset(p.nextWake())
		select {
		case <-p.wake:
			p.idle = false
		case done := <-p.flushReq:
			p.idle = false
			p.deliver(true)
			close(done)
		case <-timer.C:
		case <-p.stop:
			p.idle = false
			p.deliver(true)
			return
		}
	}
}

func (p *Pipeline) nextWake() time.Duration {
	if p.sender == nil {
		return time.Hour
	}
	now := time.Now()
	var wait time.Duration
	switch {
	case now.Before(p.limitedUntil) || now.Before(p.nextAttempt):
		wait = max(p.limitedUntil.Sub(now), p.nextAttempt.Sub(now))
	case p.idle:
		wait = p.cfg.RescanEvery
	}
	return max(wait, time.Millisecond)
}

// item is one envelope being delivered, from memory or claimed from the outbox.
type item struct {
	id    string
	env   []byte
	claim *outbox.Claim
}

// next returns the next envelope to send: the memory buffer's oldest, or
// the outbox's oldest for this project, claimed.
func (p *Pipeline) next() (item, bool) {
	p.mu.Lock()
	if len(p.mem) > 0 {
		it := p.mem[0]
		p.mem[0] = memItem{}
		p.mem = p.mem[1:]
		p.memBytes -= int64(len(it.env))
		p.mu.Unlock()
		return item{id: it.id, env: it.env}, true
	}
	p.mu.Unlock()
	if p.ob == nil {
		return item{}, false
	}
	if time.Since(p.lastRescan) >= p.cfg.RescanEvery {
		p.lastRescan = time.Now()
		if err := p.ob.Rescan(); err != nil {
			p.log.Warn("reporting: the outbox cannot be read", zap.String("outbox", p.ob.Dir()), zap.Error(err))
		}
	}
	c, err := p.ob.Claim(p.dest)
	if err != nil || c == nil {
		return item{}, false
	}
	return item{id: c.EventID, env: c.Envelope, claim: c}, true
}

// keep puts an undelivered item back where it came from.
func (p *Pipeline) keep(it item) {
	if it.claim != nil {
		_ = p.ob.Release(it.claim)
		return
	}
	p.mu.Lock()
	p.mem = append([]memItem{{id: it.id, env: it.env}}, p.mem...)
	p.memBytes += int64(len(it.env))
	p.mu.Unlock()
}

// deliver sends what is kept until it is all sent, Sentry cannot be
// reached, or a backoff or rate limit says to wait; force ignores the
// backoff.
func (p *Pipeline) deliver(force bool) {
	if p.sender == nil {
		return
	}
	for !p.idle {
		now := time.Now()
		if now.Before(p.limitedUntil) || (!force && now.Before(p.nextAttempt)) || p.sendCtx.Err() != nil {
			return
		}
		it, ok := p.next()
		if !ok {
			p.idle = true
			return
		}
		if !p.attempt(it, now) {
			return
		}
	}
}

// attempt sends one item and reports whether to go on with the next.
func (p *Pipeline) attempt(it item, now time.Time) bool {
	env, err := outbox.StampSentAt(it.env, now)
	if err != nil {
		p.reject(it, "corrupt envelope: "+err.Error())
		return true
	}
	res := p.sender.send(p.sendCtx, env, now)
	if p.sendCtx.Err() != nil { // Shutdown's deadline: not Sentry's fault
		p.keep(it)
		return false
	}
	if res.wait > 0 {
		p.limitedUntil = now.Add(res.wait)
	}
	switch res.verdict {
	case delivered:
		if it.claim != nil {
			_ = p.ob.Done(it.claim)
			if it.claim.Found {
				p.replayed.Add(1)
			}
		}
		p.sent.Add(1)
		p.backoff = p.cfg.RetryMin
		p.endStreak(&p.sendStreak, "reporting: delivery to Sentry recovered")
		return true
	case tooLarge:
		if small, ok := ShrinkStep(it.env); ok {
			p.shrunk.Add(1)
			if it.claim != nil {
				if err := p.ob.Replace(it.claim, small); err != nil {
					p.keep(it)
					return false
				}
				it.claim.Envelope = small
			}
			it.env = small
			return p.attempt(it, now)
		}
		p.reject(it, res.err.Error()+" and the event cannot be made smaller")
		return true
	case invalid:
		p.reject(it, res.err.Error())
		return true
	}
	// retry or refused: keep it, wait, and say so once per streak.
	p.keep(it)
	p.failures.Add(1)
	p.nextAttempt = now.Add(max(p.backoff, res.wait))
	p.backoff = min(p.backoff*2, p.cfg.RetryMax)
	key := res.verdict.String()
	if res.status != 0 {
		key = fmt.Sprint(res.status)
	}
	p.startStreak(&p.sendStreak, key, func() {
		fields := []zap.Field{zap.String("destination", p.dest), zap.Error(res.err)}
		if res.status != 0 {
			fields = append(fields, zap.Int("status", res.status))
		}
		if res.verdict == refused {
			p.log.Error("reporting: Sentry refuses our events: check the DSN and the project; events are kept and retried", fields...)
		} else {
			p.log.Warn("reporting: Sentry cannot be reached; events are kept and retried", fields...)
		}
	})
	return false
}

// reject sets an envelope aside for good: Sentry will never take it.
func (p *Pipeline) reject(it item, reason string) {
	p.rejected.Add(1)
	if it.claim != nil {
		_ = p.ob.Reject(it.claim, reason)
	}
	p.log.Warn("reporting: Sentry rejected an event; it is kept in the outbox's rejected area",
		zap.String("event_id", it.id), zap.String("reason", reason))
}

// startStreak counts a failure, and calls logStart when it begins a new
// streak (the first failure, or one of another kind).
func (p *Pipeline) startStreak(s *streak, key string, logStart func()) {
	if s.key != key {
		s.key, s.start, s.count = key, time.Now(), 0
		logStart()
	}
	s.count++
}

// endStreak logs the end of a streak, with how many failures and how long.
func (p *Pipeline) endStreak(s *streak, msg string) {
	if s.key == "" {
		return
	}
	p.log.Info(msg, zap.Int64("failures", s.count), zap.Duration("after", time.Since(s.start)))
	*s = streak{}
}
