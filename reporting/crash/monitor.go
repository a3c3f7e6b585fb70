package crash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/reporting"
)

// MonitoredPIDVariable is the environment variable that [Setup] sets, for
// the monitor process only, to the application's process ID. Its presence
// is how Setup knows it runs in the monitor.
const MonitoredPIDVariable = "SUPPORTKIT_CRASH_MONITORED_PID"

// appMaxProcsVariable is the environment variable that [Setup] sets, for
// the monitor process only, to the application's GOMAXPROCS: the
// monitor's own may differ (it is sized by the same variable but never
// changes it at run time as the application may).
const appMaxProcsVariable = "SUPPORTKIT_CRASH_APP_GOMAXPROCS"

// maxOutput bounds the crash output the monitor keeps; the rest is read
// and dropped, so that the crashing application is never blocked on a
// full pipe.
const maxOutput = 8 << 20

// Monitor is the handle on crash capture. In the application it stands
// for the monitor process; in the monitor process, [Setup] returns one
// whose [Monitor.IsMonitor] is true once the application has exited. A
// nil Monitor (what a failed Setup returns in the application) is safe:
// IsMonitor is false, PID 0, Shutdown does nothing.
type Monitor struct {
	cmd *exec.Cmd
	// lifeline is the write end of the monitor's standard input: nothing
	// is written to it; its end, when the application exits or calls
	// Shutdown, tells the monitor that the application is gone.
	lifeline *os.File
	// isMonitor is true in the monitor process.
	isMonitor bool

	shutOnce sync.Once
	shutErr  error
}

// running keeps the monitor (and its lifeline, which the garbage collector
// would otherwise close) for as long as the application runs.
var running *Monitor

// IsMonitor reports whether this process is the monitor, whose
// application has exited: main must then return at once. It is false in
// the application and for a nil Monitor.
func (m *Monitor) IsMonitor() bool { return m != nil && m.isMonitor }

// PID returns the monitor's process ID, or 0 for a nil Monitor (the one
// a failed [Setup] returns) and in the monitor process itself.
func (m *Monitor) PID() int {
	if m == nil || m.cmd == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// Shutdown turns crash capture off and waits, up to ctx's deadline, for
// the monitor to exit; then it kills it and returns ctx's error. A
// program need not call it: the monitor exits by itself when the
// application exits. It is for programs that want to stop monitoring
// early, and for tests. Calling it again returns the first call's result.
// On a nil Monitor (the one a failed [Setup] returns) and in the monitor
// process it does nothing, so that main can defer it whatever Setup
// returned.
func (m *Monitor) Shutdown(ctx context.Context) error {
	if m == nil || m.cmd == nil {
		return nil
	}
	m.shutOnce.Do(func() { m.shutErr = m.stop(ctx) })
	return m.shutErr
}

func (m *Monitor) stop(ctx context.Context) error {
	if err := debug.SetCrashOutput(nil, debug.CrashOptions{}); err != nil {
		return fmt.Errorf("crash: shutdown: %w", err)
	}
	// The runtime's copy of the lifeline (without a raw crash file) went
	// with the crash output; closing ours is the monitor's end of input.
	_ = m.lifeline.Close()
	exited := make(chan struct{})
	go func() {
		_ = m.cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		_ = m.cmd.Process.Kill()
		<-exited
		return fmt.Errorf("crash: monitor did not exit: %w", ctx.Err())
	}
}

// Setup starts crash capture; call it first thing in main, before any
// other work, and only when the operator asked for it. Options are
// checked first: an out-of-range value is an error naming the option,
// and nothing is started.
//
// Setup returns in two processes. In the application, it creates this
// run's raw crash file in the outbox's "crashes" directory, re-executes the
// program (the same executable, arguments and environment) as a small
// child process, the monitor, in a process group of its own, with
// standard input reading a pipe that ends when the application does, and
// directs the runtime's crash output into the raw file (into the pipe
// when there is no raw file) with [debug.SetCrashOutput]; it returns the
// [Monitor], whose IsMonitor is false, and the application goes on. The
// application keeps its process ID, its signals, its standard input,
// output and error, and its exit code; a crash is still printed on its
// standard error as usual.
//
// In the monitor, the same call returns only when the application has
// exited, with a Monitor whose [Monitor.IsMonitor] is true: main must
// then return at once. Meanwhile the monitor reported, in the background,
// the crashes that killed monitors left on disk (see the package
// documentation); once the application exited, if it crashed, it parsed
// the output ([Parse]) into a fatal event ([Report.Event]) and delivered
// it with a [reporting.Reporter] set up from [WithReporting]: to Sentry,
// or to the outbox that the application's reporter sends at its next
// start. The error is then a delivery problem, already logged.
//
// If the monitor cannot be started, Setup returns a nil Monitor (whose
// methods do nothing) and the error, and the application runs without
// crash capture: log it and go on.
//
// ctx is checked at the start (an ended ctx is an error, and nothing is
// started); the monitor outlives it by design, since it must wait for the
// application's end, however that comes. Its values reach the delivery,
// which [WithTimeout] bounds.
func Setup(ctx context.Context, opts ...Option) (*Monitor, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("crash: setup: %w", err)
	}
	if v, ok := os.LookupEnv(MonitoredPIDVariable); ok {
		pid, _ := strconv.Atoi(v)
		return &Monitor{isMonitor: true}, runMonitor(context.WithoutCancel(ctx), cfg, pid)
	}
	return startMonitor(cfg)
}

// findExecutable finds the program to start as the monitor; tests replace
// it to make the start fail.
var findExecutable = executable

func startMonitor(opts config) (*Monitor, error) {
	if err := checkProcess(); err != nil {
		return nil, err
	}
	exe, err := findExecutable()
	if err != nil {
		return nil, fmt.Errorf("crash: monitor not started: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("crash: monitor not started: %w", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(monitorEnv(os.Environ(), os.Getpid()), appMaxProcsVariable+"="+strconv.Itoa(runtime.GOMAXPROCS(0)))
	cmd.Stdin = r
	cmd.Stderr = os.Stderr // for the monitor's own lines
	cmd.SysProcAttr = sysProcAttr()
	// The runtime writes the crash into the raw crash file itself, before
	// the process exits, so that the crash is on disk even if the monitor
	// is killed at once (as in a container whose init exits with the
	// application). Without a raw file (no outbox directory, a read-only
	// disk), the crash goes through the pipe as it always did.
	out := w
	var raw *os.File
	rawPath := ""
	if dir, err := rawDirOf(opts); err == nil {
		if raw, rawPath, err = createRaw(dir, os.Getpid()); err == nil {
			cmd.ExtraFiles = []*os.File{raw}
			cmd.Env = append(cmd.Env, rawFileVariable+"="+rawPath)
			out = raw
		}
	}
	fail := func(err error) (*Monitor, error) {
		_ = w.Close()
		if raw != nil {
			_ = raw.Close()
			_ = os.Remove(rawPath)
		}
		return nil, fmt.Errorf("crash: monitor not started: %w", err)
	}
	err = cmd.Start()
	_ = r.Close()
	if err != nil {
		return fail(err)
	}
	if err := debug.SetCrashOutput(out, debug.CrashOptions{}); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fail(err)
	}
	if raw != nil {
		// The runtime's and the monitor's copies hold the lock from now on.
		_ = raw.Close()
	}
	// Nothing waits for the monitor in the application: a goroutine
	// blocked in wait4 would keep the runtime from ever declaring "all
	// goroutines are asleep - deadlock!", changing how the application
	// dies. Should the monitor die first (only if killed), it stays a
	// zombie until the application exits or calls Shutdown.
	running = &Monitor{cmd: cmd, lifeline: w}
	return running, nil
}

// monitorEnv is the application's environment for the monitor, with the
// marker variable and without the variables that size the Go runtime for
// the application (see golang/go#73490).
func monitorEnv(env []string, pid int) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case MonitoredPIDVariable, rawFileVariable, appMaxProcsVariable, "GOGC", "GOMEMLIMIT":
			continue
		}
		out = append(out, kv)
	}
	return append(out, MonitoredPIDVariable+"="+strconv.Itoa(pid))
}

// runMonitor is the monitor process: it reports the crashes earlier
// monitors left on disk, waits until the application exits, and reports
// its crash, if there was one: the raw crash file's content, or what came
// through the pipe when there is no raw file.
func runMonitor(ctx context.Context, opts config, appPID int) error {
	log := opts.logger
	if log == nil {
		log = defaultLogger()
	}
	log = log.With(zap.Int("app_pid", appPID))
	defer func() { _ = log.Sync() }()
	timeout := opts.timeout

	raw, rawPath, rawErr := monitorRawFile(opts, appPID)
	if rawErr != nil {
		log.Warn("crash monitor: the crash output is not kept on disk; a crash is lost if the monitor dies before delivering it", zap.Error(rawErr))
	} else {
		defer raw.Close()
	}
	// Leftovers are reported while the application runs, in the
	// background, so that the end of the application is seen at once.
	recovered := make(chan struct{})
	go func() {
		defer close(recovered)
		if dir, err := rawDirOf(opts); err == nil {
			recoverLeftovers(ctx, dir, rawPath, timeout, log, func(ctx context.Context, output []byte, at time.Time, n rawName) (delivery, error) {
				// Another run: its GOMAXPROCS is not known.
				app := appInfo{pid: n.appPID, started: n.created, traceback: os.Getenv("GOTRACEBACK"), truncated: len(output) >= maxOutput}
				return report(ctx, output, at, app, n.eventID, opts)
			})
		}
	}()

	in, stop := input(appPID)
	output, started, err := readOutput(in)
	stop()
	<-recovered
	if err != nil {
		log.Warn("crash monitor: reading the crash output failed", zap.Error(err))
	}
	eventID := ""
	app := appInfo{pid: appPID, traceback: os.Getenv("GOTRACEBACK")}
	app.maxProcs, _ = strconv.Atoi(os.Getenv(appMaxProcsVariable))
	if raw != nil {
		n, _ := parseRawName(filepath.Base(rawPath))
		eventID, app.started = n.eventID, n.created
		if len(output) == 0 {
			output, started, err = readRaw(raw)
			if err != nil {
				log.Warn("crash monitor: reading the raw crash file failed", zap.String("file", rawPath), zap.Error(err))
			}
		}
	}
	if len(output) == 0 {
		removeRaw(rawPath) // the application exited without crashing
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	app.truncated = len(output) >= maxOutput
	res, err := report(ctx, output, started, app, eventID, opts)
	if err != nil {
		log.Error("crash monitor: the crash report was not delivered", zap.String("kept_in", rawPath), zap.Error(err))
		return err
	}
	removeRaw(rawPath)
	if res.inProcess {
		log.Info("crash monitor: already reported in-process as "+res.eventID+"; no crash event sent",
			zap.String("event_id", res.eventID), zap.String("outbox", res.outbox), zap.String("crash", res.title))
		return nil
	}
	log.Info("crash reported",
		zap.String("event_id", res.eventID),
		zap.String("delivered_to", res.deliveredTo),
		zap.String("outbox", res.outbox),
		zap.String("crash", res.title))
	return nil
}

// monitorRawFile returns the raw crash file the application passed as
// descriptor 3. Without one, it finds out why for the log.
func monitorRawFile(opts config, appPID int) (*os.File, string, error) {
	if name := os.Getenv(rawFileVariable); name != "" {
		return os.NewFile(3, name), name, nil
	}
	dir, err := rawDirOf(opts)
	if err != nil {
		return nil, "", err
	}
	f, name, err := createRaw(dir, appPID)
	if err != nil {
		return nil, "", err
	}
	_ = f.Close()
	_ = os.Remove(name)
	return nil, "", errors.New("crash: the application could not create its raw crash file in " + dir)
}

func removeRaw(name string) {
	if name != "" {
		_ = os.Remove(name)
	}
}

// readOutput reads in to its end, keeping the first maxOutput bytes, and
// notes when the first byte came: the time of the crash.
func readOutput(in io.Reader) ([]byte, time.Time, error) {
	var (
		out     []byte
		started time.Time
		buf     = make([]byte, 64<<10)
	)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if started.IsZero() {
				started = time.Now()
			}
			if room := maxOutput - len(out); room > 0 {
				out = append(out, buf[:min(n, room)]...)
			}
		}
		if errors.Is(err, io.EOF) {
			return out, started, nil
		}
		if err != nil {
			return out, started, err
		}
	}
}

// delivery says where a report went.
type delivery struct {
	eventID, deliveredTo, outbox, title string
	// inProcess is true when no event was sent because the application
	// reported the panic itself (see reportedInProcess); eventID is that
	// event's.
	inProcess bool
}

// report parses output and delivers its event under eventID ("" for a
// new one), unless the application already reported the panic that
// crashed it.
func report(ctx context.Context, output []byte, at time.Time, app appInfo, eventID string, opts config) (delivery, error) {
	r, ev := eventOf(output)
	if r != nil {
		if dir, err := outboxDirOf(opts); err == nil && dir != "" {
			if id := reportedInProcess(dir, r, app.pid, at); id != "" {
				// A reporter's shutdown makes an attempt to send the
				// outbox, the in-process event among it, so that it
				// does not wait for the application's next start.
				if rep, err := reporting.Setup(ctx, opts.reporting...); err == nil {
					_ = rep.Shutdown(ctx)
				}
				return delivery{eventID: id, outbox: dir, title: titleOf(ev), inProcess: true}, nil
			}
		}
	}
	ev.EventID = sentry.EventID(eventID)
	if !at.IsZero() {
		ev.Timestamp = at.UTC()
	}
	for k, v := range opts.tags {
		ev.Tags[k] = v
	}
	if app.pid > 0 {
		ev.Contexts["go_crash"]["pid"] = app.pid
	}
	addContexts(ev, r, app)
	if a := dumpAttachment(output); a != nil {
		ev.Attachments = append(ev.Attachments, a)
	}
	return persistEvent(ctx, ev, opts)
}

// DumpFilename is the name of the attachment that holds a crash's
// goroutine dump.
const DumpFilename = "goroutines-crash.txt"

// dumpAttachment is the goroutine dump of a crash output, from its first
// "goroutine N [...]:" line on, as the runtime printed it: every
// goroutine's state and stack with argument words. The lines before it
// (the panic value, the fatal error) stay out: they can hold request
// data, and the event carries them scrubbed. Nil when there is no dump.
func dumpAttachment(output []byte) *sentry.Attachment {
	i := 0
	for {
		if bytes.HasPrefix(output[i:], []byte("goroutine ")) {
			break
		}
		j := bytes.IndexByte(output[i:], '\n')
		if j < 0 {
			return nil
		}
		i += j + 1
	}
	return &sentry.Attachment{Filename: DumpFilename, ContentType: "text/plain", Payload: output[i:]}
}

func titleOf(ev *sentry.Event) string {
	last := ev.Exception[len(ev.Exception)-1]
	return last.Type + ": " + last.Value
}

// persistEvent delivers ev with a reporter set up from opts: to Sentry,
// or to the outbox. It is the one place the crash package hands an event
// over for delivery.
//
// The event goes through a client of its own that shares the reporter's
// options (its transport, scrubbing and BeforeSend, release, environment)
// but not sentry-go's default integrations: they would fill the runtime
// and device contexts with the monitor's goroutine count and GOMAXPROCS,
// and replace the modules, where ev holds the application's.
func persistEvent(ctx context.Context, ev *sentry.Event, opts config) (delivery, error) {
	rep, err := reporting.Setup(ctx, opts.reporting...)
	if err != nil {
		return delivery{}, err
	}
	co := rep.Hub().Client().Options()
	co.Integrations = func([]sentry.Integration) []sentry.Integration { return nil }
	var id *sentry.EventID
	if client, cerr := sentry.NewClient(co); cerr == nil {
		id = sentry.NewHub(client, rep.Hub().Scope().Clone()).CaptureEvent(ev)
	} else {
		id = rep.Hub().CaptureEvent(ev)
	}
	err = rep.Shutdown(ctx)
	d := delivery{outbox: rep.OutboxDir(), title: titleOf(ev)}
	if id != nil {
		d.eventID = string(*id)
	}
	st := rep.Stats()
	switch {
	case st.Sent > 0:
		d.deliveredTo = "sentry"
	case st.Outboxed > 0:
		d.deliveredTo = "outbox" // written first, not delivered yet: the next start sends it
	default:
		if err == nil {
			err = errors.New("crash: the reporter neither sent nor kept the event")
		}
		return d, err
	}
	return d, nil
}

// eventOf is the event of a crash output; output the parser does not
// understand still makes an event, with the text as its message, so that
// a crash is never dropped for being printed in an unexpected form.
//
// It returns the report too, nil when output did not parse.
func eventOf(output []byte) (*Report, *sentry.Event) {
	r, err := parseSafely(output)
	if err != nil {
		ev := (&Report{Kind: "crash", Message: firstLine(output)}).Event()
		const keep = 16 << 10
		ev.Contexts["go_crash"]["output"] = string(output[:min(len(output), keep)])
		return nil, ev
	}
	return r, r.Event()
}

// parseSafely is Parse, with a parser bug turned into an error rather than
// a second crash.
func parseSafely(output []byte) (r *Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("crash: parser failed: %v", p)
		}
	}()
	return Parse(output)
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b[:min(len(b), 4096)]))
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func defaultLogger() *zap.Logger {
	cfg := zap.NewProductionConfig()
	cfg.Sampling = nil
	log, err := cfg.Build()
	if err != nil {
		return zap.NewNop()
	}
	return log.Named("crash-monitor")
}
