package main

// The -demo mode: start the service, call each endpoint once, and print
// what a support engineer would get for each: the answer, its reference
// ID, the crash report (read back from the outbox), the trace ID and the
// log line. It exits 1 if any of that is missing, so CI runs it as a smoke
// test.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/tracing"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// demoStep is one request of the demo and what it must produce.
type demoStep struct {
	method, path string
	status       int
	what         string
	reported     bool // a crash report is expected
	logged       bool // a log line is expected
	untraced     bool // health probes are not traced
}

var demoSteps = []demoStep{
	{"GET", "/hello", 200, "a request that works", false, false, false},
	{"GET", "/orders/1", 200, "a known order", false, false, false},
	{"GET", "/orders/42", 404, "a handled NotFound error: logged as a warning, not reported", false, true, false},
	{"GET", "/fail", 500, "a dependency fails: an internal error, reported", true, true, false},
	{"GET", "/panic", 500, "the handler panics: recovered, answered and reported", true, true, false},
	{"GET", "/panic/goroutine", 202, "a background goroutine panics after the answer: reported", true, true, false},
	{"GET", "/slow?d=300ms", 200, "a slow request: a 300ms span in the trace", false, false, false},
	{"GET", "/slow?d=1200ms", 200, "slower than the threshold (1s in -demo): a warning event with the flight recorder's snapshot", true, true, false},
	{"GET", "/readyz?verbose", 200, "the readiness probe, verbose (probes are not traced)", false, false, true},
}

// demoLogs keeps a copy of every log line, to find a request's lines.
type demoLogs struct {
	mu    sync.Mutex
	lines [][]byte
}

func (l *demoLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, bytes.Clone(bytes.TrimSpace(p)))
	return len(p), nil
}

func (l *demoLogs) Sync() error { return nil }

// find returns the last line whose fields match all of want.
func (l *demoLogs) find(want map[string]string) ([]byte, map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.lines) - 1; i >= 0; i-- {
		var m map[string]any
		if json.Unmarshal(l.lines[i], &m) != nil {
			continue
		}
		ok := true
		for k, v := range want {
			if s, _ := m[k].(string); s != v {
				ok = false
			}
		}
		if ok {
			return l.lines[i], m
		}
	}
	return nil, nil
}

// teeTo returns the option that copies every log line into l.
func (l *demoLogs) teeTo() zap.Option {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewTee(c, zapcore.NewCore(enc, l, zap.DebugLevel))
	})
}

// demo is the -demo mode's state; a nil *demo (no -demo) does nothing.
type demo struct {
	logs  *demoLogs
	spans *tracetest.InMemoryExporter
	done  chan struct{}
	err   error
}

// prepare returns the service's logger and, with -demo, the demo: a copy
// of every log line, a private outbox and a short drain unless the
// environment says otherwise, a free port. cleanup removes what it made.
func prepare(cfg *config) (log *zap.Logger, d *demo, cleanup func(), err error) {
	cleanup = func() {}
	if log, err = newLogger(); err != nil {
		return nil, nil, cleanup, err
	}
	if !cfg.demo {
		return log, nil, cleanup, nil
	}
	if os.Getenv("SUPPORTKIT_OUTBOX") == "" {
		dir, err := os.MkdirTemp("", "supportkit-demo-outbox-")
		if err != nil {
			return nil, nil, cleanup, err
		}
		os.Setenv("SUPPORTKIT_OUTBOX", dir)
		cleanup = func() { os.RemoveAll(dir) }
	}
	if os.Getenv("SUPPORTKIT_DRAIN_DELAY") == "" {
		os.Setenv("SUPPORTKIT_DRAIN_DELAY", "100ms")
	}
	cfg.addr = "127.0.0.1:0"
	d = &demo{logs: &demoLogs{}, spans: tracetest.NewInMemoryExporter()}
	return log.WithOptions(d.logs.teeTo()), d, cleanup, nil
}

// options are the demo's additions to the service's wiring: its spans are
// kept in memory as they end, so that it can print them.
func (d *demo) options() []supportkit.Option {
	if d == nil {
		return nil
	}
	return []supportkit.Option{supportkit.WithTracing(
		tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(d.spans)))}
}

// start runs the demo against the service at addr, then calls stop, which
// ends the service as SIGTERM would. The returned function waits for the
// demo and returns its error.
func (d *demo) start(ctx context.Context, stop func(), addr string) func() error {
	if d == nil {
		return func() error { return nil }
	}
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		defer stop()
		d.err = runDemo(ctx, os.Stdout, "http://"+addr, d)
	}()
	return func() error {
		<-d.done
		return d.err
	}
}

// runDemo calls each step against base and prints what came out to w.
func runDemo(ctx context.Context, w io.Writer, base string, d *demo) error {
	logs := d.logs
	outbox := os.Getenv("SUPPORTKIT_OUTBOX")
	toSentry := os.Getenv("SENTRY_DSN") != ""
	client := &http.Client{Timeout: 10 * time.Second}
	var problems []error
	fmt.Fprintf(w, "supportkit demo: the service at %s; reports go to %s\n", base,
		map[bool]string{true: "Sentry (SENTRY_DSN)", false: "the outbox " + outbox}[toSentry])
	for _, s := range demoSteps {
		traceID := newTraceID()
		req, err := http.NewRequestWithContext(ctx, s.method, base+s.path, nil)
		if err != nil {
			return err
		}
		// The demo starts the trace, as a caller's own tracing would, so it
		// knows the trace ID to look for.
		req.Header.Set("Traceparent", "00-"+traceID+"-"+newTraceID()[:16]+"-01")
		res, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", s.method, s.path, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()

		fmt.Fprintf(w, "\n== %s %s: %s\n", s.method, s.path, s.what)
		fmt.Fprintf(w, "   status        %d %s\n", res.StatusCode, res.Header.Get("Content-Type"))
		if res.StatusCode != s.status {
			problems = append(problems, fmt.Errorf("%s: status %d, want %d", s.path, res.StatusCode, s.status))
		}
		var problem struct {
			ReferenceID string `json:"reference_id"`
			Code        string `json:"code"`
		}
		_ = json.Unmarshal(body, &problem)
		if problem.ReferenceID != "" {
			fmt.Fprintf(w, "   reference ID  %s (code %s)\n", problem.ReferenceID, problem.Code)
		} else if res.StatusCode >= 400 {
			problems = append(problems, fmt.Errorf("%s: no reference ID in the answer: %s", s.path, body))
		} else {
			fmt.Fprintf(w, "   body          %s\n", firstLine(string(body)))
		}

		if s.reported {
			ev, err := waitForReport(ctx, outbox, traceID, 5*time.Second)
			switch {
			case err == nil:
				fmt.Fprintf(w, "   report        %s (event %s, level %s)\n", ev.title(), ev.EventID, ev.Level)
				for _, f := range ev.topFrames(3) {
					fmt.Fprintf(w, "                   at %s\n", f)
				}
				printAttachments(w, ev)
				if s.path == "/slow?d=1200ms" && len(ev.attachments) == 0 {
					problems = append(problems, fmt.Errorf("%s: the slow request's event has no snapshot", s.path))
				}
				if problem.ReferenceID != "" && problem.ReferenceID != ev.EventID {
					problems = append(problems, fmt.Errorf("%s: reference ID %s is not the event ID %s", s.path, problem.ReferenceID, ev.EventID))
				}
			case toSentry:
				fmt.Fprintf(w, "   report        sent to Sentry: search for the reference ID\n")
			default:
				problems = append(problems, fmt.Errorf("%s: no report in the outbox: %w", s.path, err))
			}
		}

		if s.untraced {
			continue
		}
		fmt.Fprintf(w, "   trace ID      %s\n", traceID)
		if span, ok := d.span(traceID); ok {
			fmt.Fprintf(w, "   span          %s\n", span)
		} else {
			problems = append(problems, fmt.Errorf("%s: no span in trace %s", s.path, traceID))
		}
		want := map[string]string{"trace_id": traceID}
		line, fields := logs.find(want)
		for deadline := time.Now().Add(2 * time.Second); s.logged && line == nil && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			line, fields = logs.find(want)
		}
		switch {
		case line != nil:
			fmt.Fprintf(w, "   log line      %s\n", compact(line))
			if s.reported && fields["event_id"] == nil {
				problems = append(problems, fmt.Errorf("%s: the log line has no event_id", s.path))
			}
		case s.logged:
			problems = append(problems, fmt.Errorf("%s: no log line with trace_id %s", s.path, traceID))
		default:
			fmt.Fprintf(w, "   log line      none: nothing went wrong\n")
		}
	}
	if err := demoCrash(ctx, w, outbox, toSentry); err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("demo: %w", errors.Join(problems...))
	}
	fmt.Fprintf(w, "\ndemo: every endpoint answered as expected\n")
	return nil
}

var (
	zapStack   = regexp.MustCompile(`,"stacktrace":"(?:[^"\\]|\\.)*"`)
	errorStack = regexp.MustCompile(`"stack":\[[^\]]*\]`)
)

// compact shortens a log line for the screen: the error's stack becomes a
// frame count, and zap's own stack trace of the logging call goes.
func compact(line []byte) string {
	line = zapStack.ReplaceAll(line, nil)
	return string(errorStack.ReplaceAllFunc(line, func(m []byte) []byte {
		return []byte(fmt.Sprintf(`"stack":"[%d frames]"`, bytes.Count(m, []byte(`"function"`))))
	}))
}

// demoCrash shows POST /crash, which ends the process it is sent to: it
// starts this program again with the crash monitor on, crashes it, and
// prints the fatal report that the monitor delivered.
func demoCrash(ctx context.Context, w io.Writer, outbox string, toSentry bool) error {
	fmt.Fprintf(w, "\n== POST /crash: a goroutine nobody wrapped panics and the process dies\n   (sent to a second instance of the service, started with -crash-monitor)\n")
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-crash-monitor", "-addr", "127.0.0.1:0")
	// The monitor writes to the same standard error as the service and
	// outlives it by the time it takes to deliver the report, so read the
	// pipe to its end rather than let Wait close it.
	r, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		pw.Close()
		r.Close()
		return err
	}
	pw.Close()
	addrc, reportc := make(chan string, 1), make(chan map[string]any, 1)
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				continue
			}
			switch m["msg"] {
			case "listening":
				addrc <- m["addr"].(string)
			case "crash reported":
				reportc <- m
			}
		}
		close(reportc)
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("/crash: the monitored instance did not start: %w", ctx.Err())
	}
	res, err := http.Post("http://"+addr+"/crash", "", nil)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("/crash: %w", err)
	}
	res.Body.Close()
	waitErr := cmd.Wait()
	var exit *exec.ExitError
	code := 0
	if errors.As(waitErr, &exit) {
		code = exit.ExitCode()
	}
	fmt.Fprintf(w, "   status        %d %s, then the process exited with status %d (as without the monitor)\n", res.StatusCode, res.Header.Get("Content-Type"), code)
	line, ok := <-reportc
	if !ok {
		return errors.New("/crash: the crash monitor reported nothing")
	}
	id, _ := line["event_id"].(string)
	if toSentry {
		fmt.Fprintf(w, "   report        %v, sent to %v\n", line["crash"], line["delivered_to"])
	} else if ev, err := readOutboxEvent(outbox, id); err != nil {
		return fmt.Errorf("/crash: %w", err)
	} else {
		fmt.Fprintf(w, "   report        %s (event %s, level %s)\n", ev.title(), ev.EventID, ev.Level)
		for _, f := range ev.topFrames(3) {
			fmt.Fprintf(w, "                   at %s\n", f)
		}
		printAttachments(w, ev)
	}
	delete(line, "ts")
	compacted, _ := json.Marshal(line)
	fmt.Fprintf(w, "   log line      %s (from the monitor)\n", compacted)
	if res.StatusCode != http.StatusAccepted || code != 2 {
		return fmt.Errorf("/crash: status %d and exit status %d, want 202 and 2", res.StatusCode, code)
	}
	return nil
}

// printAttachments lists an event's attachments, their sizes and how to
// open each.
func printAttachments(w io.Writer, ev *demoEvent) {
	label := "attachments  "
	for _, a := range ev.attachments {
		fmt.Fprintf(w, "   %s %-36s %9d bytes  %s\n", label, a.Filename, len(a.Payload), openWith(a.Filename))
		label = "             "
	}
	for _, f := range ev.Contexts.Attachments.LeftOut {
		fmt.Fprintf(w, "   %s left out: %s (%s)\n", label, f, ev.Contexts.Attachments.Reason)
		label = "             "
	}
}

// openWith says how a support engineer opens an attachment.
func openWith(name string) string {
	switch {
	case strings.HasPrefix(name, "trace-"):
		return "go tool trace " + name
	case strings.HasSuffix(name, ".pb.gz"):
		return "go tool pprof -top " + name
	case strings.HasPrefix(name, "snapshot-"):
		return "the index: what triggered it, the files, notes"
	}
	return "text: every goroutine's stack"
}

// readOutboxEvent reads the event with the given ID from the outbox.
func readOutboxEvent(dir, id string) (*demoEvent, error) {
	env, err := outbox.Lookup(dir, id)
	if err != nil {
		return nil, err
	}
	for _, it := range env.Items {
		var ev demoEvent
		if it.Header["type"] == "event" && json.Unmarshal(it.Payload, &ev) == nil {
			ev.attachments = env.Attachments()
			return &ev, nil
		}
	}
	return nil, fmt.Errorf("event %s: no event item", id)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

func newTraceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// demoEvent is the part of a Sentry event the demo prints.
type demoEvent struct {
	EventID   string `json:"event_id"`
	Level     string `json:"level"`
	Exception []struct {
		Type       string `json:"type"`
		Value      string `json:"value"`
		Stacktrace *struct {
			Frames []struct {
				Function string `json:"function"`
				Module   string `json:"module"`
				AbsPath  string `json:"abs_path"`
				Lineno   int    `json:"lineno"`
			} `json:"frames"`
		} `json:"stacktrace"`
	} `json:"exception"`
	Message  string `json:"message"`
	Contexts struct {
		Trace struct {
			TraceID string `json:"trace_id"`
		} `json:"trace"`
		Attachments struct {
			LeftOut []string `json:"left_out"`
			Reason  string   `json:"reason"`
		} `json:"attachments"`
	} `json:"contexts"`

	attachments []*sentry.Attachment // the envelope's attachment items
}

// title is what Sentry shows as the title: the last exception,
// or the message of an event that has none.
func (e *demoEvent) title() string {
	if len(e.Exception) == 0 {
		if e.Message != "" {
			return e.Message
		}
		return "(no exception)"
	}
	x := e.Exception[len(e.Exception)-1]
	return x.Type + ": " + x.Value
}

// topFrames returns the innermost n frames of the exception with the
// longest stack (where the error started), innermost first.
func (e *demoEvent) topFrames(n int) []string {
	var best []string
	for _, x := range e.Exception {
		if x.Stacktrace == nil || len(x.Stacktrace.Frames) <= len(best) {
			continue
		}
		best = best[:0]
		fs := x.Stacktrace.Frames
		for i := len(fs) - 1; i >= 0; i-- {
			f := fs[i]
			best = append(best, fmt.Sprintf("%s.%s (%s:%d)", f.Module, f.Function, filepath.Base(f.AbsPath), f.Lineno))
		}
	}
	return best[:min(n, len(best))]
}

// waitForReport polls the outbox for the event of the trace.
func waitForReport(ctx context.Context, dir, traceID string, timeout time.Duration) (*demoEvent, error) {
	deadline := time.Now().Add(timeout)
	for {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, de := range entries {
			if !strings.HasSuffix(de.Name(), outbox.Suffix) {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil {
				continue // evicted or sent meanwhile
			}
			env, err := outbox.Parse(data)
			if err != nil {
				continue
			}
			for _, it := range env.Items {
				var ev demoEvent
				if it.Header["type"] == "event" && json.Unmarshal(it.Payload, &ev) == nil && ev.Contexts.Trace.TraceID == traceID {
					ev.attachments = env.Attachments()
					return &ev, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no event with trace_id %s within %v", traceID, timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// span describes the server span of the trace: its name, its status and,
// when it failed, its exception event's type and the Sentry event ID on it.
func (d *demo) span(traceID string) (string, bool) {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, sp := range d.spans.GetSpans() {
			if sp.SpanContext.TraceID().String() != traceID || sp.SpanKind != trace.SpanKindServer {
				continue
			}
			desc := fmt.Sprintf("%s, status %s", sp.Name, sp.Status.Code)
			for _, ev := range sp.Events {
				if ev.Name != "exception" {
					continue
				}
				attrs := map[string]string{}
				for _, a := range ev.Attributes {
					attrs[string(a.Key)] = a.Value.Emit()
				}
				desc += fmt.Sprintf("; exception event %s", attrs["exception.type"])
				if id := attrs["sentry.event_id"]; id != "" {
					desc += ", sentry.event_id " + id
				}
				if attrs["exception.stacktrace"] != "" {
					desc += ", with stack"
				}
			}
			return desc, true
		}
	}
	return "", false
}
