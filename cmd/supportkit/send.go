package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// pollEvery is how often send looks whether its envelopes are gone.
const pollEvery = 100 * time.Millisecond

func (e *env) send(args []string) error {
	fs, c := e.flags("send", "[-outbox DIR | -service NAME] -dsn DSN [-timeout D]")
	dsn := fs.String("dsn", "", "the Sentry `DSN` of the project to deliver to (default: $SENTRY_DSN)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for Sentry to accept the envelopes")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("send takes no arguments, got %d", len(pos))
	}
	if *dsn == "" {
		*dsn = os.Getenv("SENTRY_DSN")
	}
	if *dsn == "" {
		return usagef("-dsn is required: the DSN of the Sentry project to deliver to")
	}
	if *timeout <= 0 {
		return usagef("-timeout %v: must be positive", *timeout)
	}
	dest, err := outbox.Destination(*dsn)
	if err != nil {
		return usagef("-dsn is not a Sentry DSN with a project (the value is not repeated here: it holds a key)")
	}
	dir, err := c.dir()
	if err != nil {
		return err
	}
	s, err := load(dir)
	if err != nil {
		return err
	}
	mine := map[string]bool{} // file names of the envelopes for dest
	local, others := 0, 0
	for _, r := range s.records {
		if r.file.State == outbox.Rejected {
			continue
		}
		switch r.dest {
		case dest:
			mine[r.file.Name] = true
		case "":
			local++
		default:
			others++
		}
	}
	fmt.Fprintf(e.stdout, "%s for %s in %s", plural(len(mine), "envelope"), dest, dir)
	if local > 0 || others > 0 {
		fmt.Fprintf(e.stdout, " (not sent: %d local, captured without a DSN; %d for other projects)", local, others)
	}
	fmt.Fprintln(e.stdout)
	if len(mine) == 0 {
		return nil
	}

	var mu sync.Mutex
	lastWarning := ""
	logger := zap.New(zapcore.NewCore(
		zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(e.stderr), zap.WarnLevel),
		zap.Hooks(func(en zapcore.Entry) error {
			if en.Level >= zap.WarnLevel {
				mu.Lock()
				lastWarning = en.Message
				mu.Unlock()
			}
			return nil
		}))
	rep, err := reporting.Setup(context.Background(),
		reporting.WithDSN(*dsn),
		reporting.WithOutbox(dir, 0),
		reporting.WithLogger(logger),
		reporting.WithRelease(""),
		reporting.WithEnvironment(""),
	)
	if err != nil {
		return fmt.Errorf("cannot start delivery: %v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, *timeout)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for waiting(dir, mine) != 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(e.ctx), 5*time.Second)
	defer scancel()
	shutErr := rep.Shutdown(sctx)
	stats := rep.Stats()

	sent, left, rejected := 0, 0, []string{}
	where, err := states(dir)
	if err != nil {
		return fmt.Errorf("cannot tell what was sent: %v", err)
	}
	for name := range mine {
		switch f, ok := where[name]; {
		case !ok:
			sent++
		case f.State == outbox.Rejected:
			rejected = append(rejected, fmt.Sprintf("%s: %s", name, f.Reason()))
		default:
			left++
		}
	}
	slices.Sort(rejected)
	fmt.Fprintf(e.stdout, "sent %d, left %d, rejected %d\n", sent, left, len(rejected))
	for _, r := range rejected {
		fmt.Fprintf(e.stdout, "  rejected by Sentry (kept in rejected/): %s\n", r)
	}
	if left == 0 && len(rejected) == 0 {
		return nil
	}
	why := "Sentry did not accept them before -timeout " + timeout.String()
	mu.Lock()
	if lastWarning != "" {
		why += " (last: " + lastWarning + ")"
	}
	mu.Unlock()
	if stats.DeliveryFailures > 0 {
		why += fmt.Sprintf("; %s failed", plural(int(stats.DeliveryFailures), "attempt"))
	}
	if shutErr != nil {
		why += "; " + shutErr.Error()
	}
	if left > 0 {
		return fmt.Errorf("%s left in the outbox: %s; run send again later", plural(left, "envelope"), why)
	}
	return fmt.Errorf("%s rejected by Sentry: see the reasons above", plural(len(rejected), "envelope"))
}

// states returns where each envelope file of dir is now, by name.
func states(dir string) (map[string]outbox.Found, error) {
	l, err := outbox.List(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]outbox.Found{}
	for _, f := range l.Envelopes {
		out[f.Name] = f
	}
	return out, nil
}

// waiting counts the envelopes of names still pending or claimed; -1 when
// the directory cannot be read now.
func waiting(dir string, names map[string]bool) int {
	where, err := states(dir)
	if err != nil {
		return -1
	}
	n := 0
	for name, f := range where {
		if names[name] && f.State != outbox.Rejected {
			n++
		}
	}
	return n
}
