package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command could not do what was asked
	exitUsage   = 2 // the command was asked wrongly
)

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what a subcommand runs with.
type env struct {
	ctx    context.Context
	stdout io.Writer // text for a person: see terminalSafe
	stderr io.Writer
	json   io.Writer // stdout, for -json output, which encoding/json escapes
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdout: terminalSafe{stdout}, stderr: terminalSafe{stderr}, json: stdout}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "ls":
		err = e.ls(args[1:])
	case "show":
		err = e.show(args[1:])
	case "report":
		err = e.report(args[1:])
	case "send":
		err = e.send(args[1:])
	default:
		err = usagef("unknown command %q (want ls, show, report or send; supportkit -h says more)", args[0])
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "supportkit %s: %s\n", args[0], ue.msg)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "supportkit %s: %s\n", args[0], err)
		return exitFailure
	}
}

// common are the flags every subcommand takes.
type common struct {
	outbox  string
	service string
	now     string
}

func (e *env) flags(name, synopsis string) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	c := &common{}
	fs.StringVar(&c.outbox, "outbox", "", "the outbox `dir`ectory (default: the default outbox of -service, else $SUPPORTKIT_OUTBOX)")
	fs.StringVar(&c.service, "service", "", "the service `name` (its executable's name) whose default outbox to read")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: supportkit %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs, c
}

// parse parses args, allowing flags after the positional arguments
// ("show ID -json"), and returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil // after "--", nothing is a flag
		}
		args = rest
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// dir returns the outbox directory the flags name.
func (c *common) dir() (string, error) {
	if c.outbox != "" {
		return c.outbox, nil
	}
	if c.service != "" {
		return outbox.DefaultDir(c.service)
	}
	if d := os.Getenv("SUPPORTKIT_OUTBOX"); d != "" {
		return d, nil
	}
	msg := "which outbox? name it with -outbox DIR or -service NAME (or set SUPPORTKIT_OUTBOX)"
	if d, err := reporting.OutboxDirOf(); err == nil {
		base := filepath.Dir(d)
		if des, err := os.ReadDir(base); err == nil && len(des) > 0 {
			var names []string
			for _, de := range des {
				if de.IsDir() {
					names = append(names, de.Name())
				}
			}
			msg += fmt.Sprintf("; services with an outbox in %s: %s", base, strings.Join(names, ", "))
		}
	}
	return "", usageError{msg}
}

// clock returns the time "now" is for relative windows: -now, or the
// current time.
func (c *common) clock() (time.Time, error) {
	if c.now == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, c.now)
	if err != nil {
		return time.Time{}, usagef("-now %q is not an RFC 3339 time (such as 2026-11-30T08:00:00Z)", c.now)
	}
	return t.UTC(), nil
}

// windowFlags adds the filters of ls and report.
type windowFlags struct {
	since, until, level, route, release string
}

func (w *windowFlags) add(fs *flag.FlagSet, c *common) {
	fs.StringVar(&w.since, "since", "", "only events at or after this `time`: a duration before now (2h, 30m) or an RFC 3339 time")
	fs.StringVar(&w.until, "until", "", "only events at or before this `time`: a duration before now or an RFC 3339 time")
	fs.StringVar(&w.level, "level", "", "only events of this `level` or more severe: debug, info, warning, error, fatal")
	fs.StringVar(&w.route, "route", "", "only events of this `route` (\"GET /orders/{id}\", or the path alone)")
	fs.StringVar(&w.release, "release", "", "only events of this `release`")
	fs.StringVar(&c.now, "now", "", "the `time` durations count back from (RFC 3339; default: the current time), for reproducible output")
}

func (w *windowFlags) window(now time.Time) (window, error) {
	var out window
	var err error
	if out.since, err = pointInTime("since", w.since, now); err != nil {
		return out, err
	}
	if out.until, err = pointInTime("until", w.until, now); err != nil {
		return out, err
	}
	if w.level != "" {
		switch l := strings.ToLower(w.level); l {
		case "debug", "info", "warning", "warn", "error", "fatal":
			out.minLevel, out.levelName = levelRank(l), l
		default:
			return out, usagef("-level %q is not a level (want debug, info, warning, error or fatal)", w.level)
		}
	}
	out.route, out.release = w.route, w.release
	return out, nil
}

func pointInTime(name, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, usagef("-%s %q: a duration counts back from now and is not negative", name, v)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usagef("-%s %q is neither a duration (2h) nor an RFC 3339 time", name, v)
}

// readStore reads the outbox and says on stderr what was skipped.
func (e *env) readStore(c *common) (*store, error) {
	dir, err := c.dir()
	if err != nil {
		return nil, err
	}
	s, err := load(dir)
	if err != nil {
		return nil, err
	}
	e.sayskipped(s)
	return s, nil
}

// sayskipped tells on stderr which files were skipped and why.
func (e *env) sayskipped(s *store) {
	if len(s.skipped) == 0 {
		return
	}
	foreign, corrupt := 0, 0
	for _, k := range s.skipped {
		if k.Why == "not an envelope" {
			foreign++
		} else {
			corrupt++
		}
	}
	fmt.Fprintf(e.stderr, "supportkit: skipped %s in %s (%d foreign, %d corrupt or unreadable):\n", plural(len(s.skipped), "file"), s.dir, foreign, corrupt)
	for _, k := range s.skipped {
		fmt.Fprintf(e.stderr, "  %s: %s\n", k.Path, k.Why)
	}
}

// timeText writes a time in UTC, to the millisecond.
func timeText(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
