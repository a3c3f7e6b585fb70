package health

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
)

// check is a registered check and its state. mu guards res and run; it is
// never held while the check runs.
type check struct {
	name    string
	checker Checker
	cfg     checkConfig

	mu       sync.Mutex
	res      Result
	run      uint64 // number of the last run started
	inFlight bool   // run has not returned yet
}

// loop runs c until ctx is done: at once, then every interval ± jitter.
// Runs happen on this goroutine, so there is never more than one in
// flight, and a check that ignores its context holds only this goroutine.
func (r *Registry) loop(ctx context.Context, c *check) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.runOnce(ctx, c)
		t.Reset(r.jittered(c.cfg.interval))
	}
}

func (r *Registry) jittered(d time.Duration) time.Duration {
	j := r.opts.jitter
	if j == 0 {
		return d
	}
	return time.Duration(float64(d) * (1 + j*(2*rand.Float64()-1)))
}

// stuckGrace is how long after its timeout a run is declared stuck: long
// enough for a check that honours its context to return.
func stuckGrace(timeout time.Duration) time.Duration {
	return min(max(timeout/10, 5*time.Millisecond), time.Second)
}

func (r *Registry) runOnce(parent context.Context, c *check) {
	c.mu.Lock()
	c.run++
	run := c.run
	c.inFlight = true
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(parent, c.cfg.timeout)
	defer cancel()
	start := time.Now()
	watchdog := time.AfterFunc(c.cfg.timeout+stuckGrace(c.cfg.timeout), func() { r.markStuck(c, run, start) })
	obs, err, panicked := call(ctx, c.checker)
	end := time.Now()
	watchdog.Stop()
	c.mu.Lock()
	c.inFlight = false
	c.mu.Unlock()
	if parent.Err() != nil {
		return // stopping: a cancelled run says nothing about the dependency
	}
	timedOut := err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
	if timedOut {
		err = errorsx.DeadlineExceeded.Wrap(err, "check timed out", "timeout", c.cfg.timeout.String())
	}

	c.mu.Lock()
	prev := c.res
	res := prev
	res.Pending, res.Stuck = false, false
	res.Runs++
	res.Time, res.Duration = end, end.Sub(start)
	res.Err = err
	res.Observation = obs
	res.Status = StatusPass
	if err != nil {
		res.Failures++
		res.Status = failStatus(c.cfg.critical)
	}
	if timedOut {
		res.Timeouts++
	}
	if panicked {
		res.Panics++
	}
	c.res = res
	c.mu.Unlock()
	r.publish()
	r.changed(prev, res)
}

// markStuck runs on a timer when run has outlived its timeout.
func (r *Registry) markStuck(c *check, run uint64, start time.Time) {
	c.mu.Lock()
	if c.run != run || !c.inFlight {
		c.mu.Unlock()
		return // it returned meanwhile
	}
	prev := c.res
	res := prev
	res.Stuck = true
	res.StuckRuns++
	res.Status = failStatus(c.cfg.critical)
	res.Err = errorsx.DeadlineExceeded.New("check is stuck: it ignored its context and has not returned",
		"timeout", c.cfg.timeout.String(), "running_for", time.Since(start).Round(time.Millisecond).String())
	c.res = res
	c.mu.Unlock()
	r.publish()
	r.changed(prev, res)
}

func failStatus(critical bool) Status {
	if critical {
		return StatusFail
	}
	return StatusWarn
}

// call runs the check (Measure for a [Measurer]), turning a panic into an
// error that carries the panic value and the stack of the panicking
// goroutine.
func call(ctx context.Context, c Checker) (obs Observation, err error, panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			// errorsx captures the stack here, inside the deferred call,
			// where the panicking frames are still on the stack.
			obs, err, panicked = Observation{}, errorsx.Internal.New("check panicked", "panic", fmt.Sprint(v)), true
		}
	}()
	if m, ok := c.(Measurer); ok {
		obs, err = m.Measure(ctx)
		return obs, err, false
	}
	return Observation{}, c.Check(ctx), false
}

// changed logs and notifies a change of status, stuckness or pendingness.
func (r *Registry) changed(prev, res Result) {
	if prev.Status == res.Status && prev.Pending == res.Pending && prev.Stuck == res.Stuck {
		return
	}
	ch := Change{Check: res.Name, From: prev.Status, To: res.Status, Result: res}
	if prev.Pending {
		ch.From = 0
	}
	from := ch.From.String()
	if prev.Pending {
		from = "pending"
	}
	fields := make([]zap.Field, 0, 9)
	fields = append(fields,
		zap.String("check", res.Name),
		zap.String("from", from),
		zap.Stringer("to", res.Status),
		zap.Stringer("probes", res.Sets),
		zap.Bool("critical", res.Critical),
		zap.Duration("duration", res.Duration),
	)
	if res.Stuck {
		fields = append(fields, zap.Bool("stuck", true))
	}
	// A failing check is the state of a dependency, not a bug of this
	// service: warn, so that a reporting core does not turn every flap of a
	// dependency into an error report. The reason is there twice: as one
	// line of text, which survives where the structured "error" is left
	// out (a core that makes breadcrumbs of warn lines drops it), and as
	// the error with its code, fields and stack.
	level := zap.InfoLevel
	if res.Err != nil {
		fields = append(fields, zap.String("reason", output(res.Err)), errorsx.Zap(res.Err))
		level = zap.WarnLevel
	}
	r.opts.log.Log(level, "health check status changed", fields...)
	r.notify.send(ch)
}
