package crash_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/crash"
	outboxpkg "github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// crashSummary is what a support engineer reads first in a crash event.
type crashSummary struct {
	Level     sentry.Level
	Type      string
	Value     string
	Function  string // innermost frame of the exception's stack
	Handled   bool
	Mechanism string
	Tag       string // the "program" tag set through crash.Options
	ThreadOK  bool   // one thread is crashed and current; the exception has the stack and names no thread
}

func summarize(ev *sentry.Event) crashSummary {
	ex := ev.Exception[len(ev.Exception)-1]
	s := crashSummary{Level: ev.Level, Type: ex.Type, Value: ex.Value, Tag: ev.Tags["program"]}
	if ex.Stacktrace != nil && len(ex.Stacktrace.Frames) > 0 {
		f := ex.Stacktrace.Frames[len(ex.Stacktrace.Frames)-1]
		s.Function = f.Module + "." + f.Function
	}
	if ex.Mechanism != nil {
		s.Mechanism = ex.Mechanism.Type
		s.Handled = ex.Mechanism.Handled == nil || *ex.Mechanism.Handled
	}
	// Sentry's UI shows the exception on the thread marked crashed when
	// no exception names a thread (see Report.Event).
	crashed := 0
	for _, th := range ev.Threads {
		if th.Crashed && th.Current && th.ID != "" {
			crashed++
		}
	}
	s.ThreadOK = crashed == 1 && ex.ThreadID == 0 && ex.Stacktrace != nil
	return s
}

var monitorCases = []struct {
	mode string
	want crashSummary
}{
	{"goroutine", crashSummary{Type: "panic", Value: "boom in a goroutine", Function: "main.explode"}},
	// Go prints "fatal error: concurrent map writes" on standard error
	// only (golang/go#76859): the monitor infers what it can.
	{"mapwrites", crashSummary{Type: "fatal error", Value: "concurrent map access", Function: "internal/runtime/maps.fatal"}},
	{"nilpointer", crashSummary{Type: "panic", Value: "runtime error: invalid memory address or nil pointer dereference", Function: "main.deposit"}},
	{"error", crashSummary{Type: "panic", Value: "reserve order 42: inventory unavailable", Function: "main.errorPanic"}},
}

// TestStartReportsCrashToSentry crashes the crasher, monitored, in several
// ways: each crash reaches the Sentry-side receiver as one fatal event
// whose stack names the crashing function, and nothing stays in the
// outbox.
func TestStartReportsCrashToSentry(t *testing.T) {
	rcv := newSentry(t)
	for _, tt := range monitorCases {
		t.Run(tt.mode, func(t *testing.T) {
			outbox := t.TempDir()
			before := len(fatalEvents(rcv))
			stderr, code := run(t, crasherWithMonitor(t), []string{"SENTRY_DSN=" + rcv.DSN("1"), "CRASHER_OUTBOX=" + outbox,
				"SENTRY_RELEASE=crasher@1.2.3", "SENTRY_ENVIRONMENT=staging"}, "-monitor", tt.mode)
			if code != 2 {
				t.Fatalf("exit code %d, want 2; stderr:\n%s", code, stderr)
			}
			// run waited for the monitor too: it shares standard error.
			evs := fatalEvents(rcv)[before:]
			if len(evs) != 1 {
				t.Fatalf("received %d fatal events, want 1; stderr:\n%s", len(evs), stderr)
			}
			want := tt.want
			want.Level, want.Mechanism, want.Tag, want.ThreadOK = sentry.LevelFatal, "go.crash", "crasher", true
			if diff := cmp.Diff(want, summarize(evs[0])); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s\nstderr:\n%s", diff, stderr)
			}
			if got := [2]string{evs[0].Release, evs[0].Environment}; got != [2]string{"crasher@1.2.3", "staging"} {
				t.Errorf("release and environment %q, want those of SENTRY_RELEASE and SENTRY_ENVIRONMENT", got)
			}
			if files, _ := filepath.Glob(filepath.Join(outbox, "*"+outboxpkg.Suffix)); len(files) != 0 {
				t.Errorf("outbox holds %v, want nothing", files)
			}
			if !strings.Contains(stderr, `"delivered_to":"sentry"`) {
				t.Errorf("the monitor did not log the delivery:\n%s", stderr)
			}
		})
	}
}

// TestStartKeepsCrashInOutboxWhenSentryIsDown crashes while the receiver is
// down: the event is in the outbox, in the envelope form that the next
// reporter sends when the receiver is back.
func TestStartKeepsCrashInOutboxWhenSentryIsDown(t *testing.T) {
	rcv := newSentry(t)
	rcv.Set(reportingtest.Down())
	outbox := t.TempDir()
	stderr, code := run(t, crasherWithMonitor(t), []string{"SENTRY_DSN=" + rcv.DSN("1"), "CRASHER_OUTBOX=" + outbox}, "-monitor", "goroutine")
	if code != 2 {
		t.Fatalf("exit code %d, want 2; stderr:\n%s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*"+outboxpkg.Suffix))
	if len(files) != 1 {
		t.Fatalf("outbox holds %v, want one envelope; stderr:\n%s", files, stderr)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	env, err := outboxpkg.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := env.Events()
	if err != nil || len(evs) != 1 {
		t.Fatalf("envelope events %v, %v; want one", evs, err)
	}
	want := crashSummary{Level: sentry.LevelFatal, Type: "panic", Value: "boom in a goroutine", Function: "main.explode",
		Mechanism: "go.crash", Tag: "crasher", ThreadOK: true}
	if diff := cmp.Diff(want, summarize(evs[0])); diff != "" {
		t.Errorf("outbox event mismatch (-want +got):\n%s", diff)
	}
	// The goroutine dump is attached, without the panic's text.
	atts := env.Attachments()
	if len(atts) != 1 || atts[0].Filename != crash.DumpFilename || atts[0].ContentType != "text/plain" {
		t.Fatalf("attachments %v, want the goroutine dump", atts)
	}
	dump := string(atts[0].Payload)
	if !strings.HasPrefix(dump, "goroutine ") || !strings.Contains(dump, "main.explode") || strings.Contains(dump, "boom in a goroutine") {
		t.Errorf("attached dump is not the goroutines alone:\n%s", dump)
	}

	// The receiver comes back; the next reporter (the application's, at
	// its next start) sends the outbox.
	rcv.Set(reportingtest.Up())
	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(rcv.DSN("1")), reporting.WithOutbox(outbox, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := fatalEvents(rcv)
	if len(got) != 1 || got[0].EventID != evs[0].EventID {
		t.Fatalf("after restart the receiver got %d fatal events, want the outbox's %s", len(got), evs[0].EventID)
	}
	for _, e := range rcv.Envelopes() {
		if len(e.Events) == 1 && e.Events[0].EventID == evs[0].EventID {
			if len(e.Attachments) != 1 || string(e.Attachments[0].Data) != dump {
				t.Errorf("the receiver got %d attachments with the crash, want its goroutine dump", len(e.Attachments))
			}
		}
	}
	if files, _ := filepath.Glob(filepath.Join(outbox, "*"+outboxpkg.Suffix)); len(files) != 0 {
		t.Errorf("outbox still holds %v after delivery", files)
	}
}

// TestStartKeepsExitCodeAndStderr compares runs with and without the
// monitor: same exit code, same crash header, same goroutine header.
func TestStartKeepsExitCodeAndStderr(t *testing.T) {
	headers := regexp.MustCompile(`(?m)^goroutine \d+ \[[^\]]*\]:$`)
	// Not "deadlock" nor "goexit": importing net/http, as sentry-go does,
	// keeps the runtime from noticing a deadlock, monitor or not.
	for _, mode := range []string{"goroutine", "nested", "recovered", "nilpointer", "error", "mapwrites"} {
		t.Run(mode, func(t *testing.T) {
			env := []string{"SENTRY_DSN=", "CRASHER_OUTBOX=" + t.TempDir()}
			plain, plainCode := run(t, crasherWithMonitor(t), env, mode)
			monitored, monitoredCode := run(t, crasherWithMonitor(t), env, "-monitor", mode)
			type view struct {
				Code      int
				FirstLine string
				Header    string
			}
			see := func(stderr string, code int) view {
				var lines []string
				for _, l := range strings.Split(stderr, "\n") {
					if !strings.HasPrefix(l, "crasher: ") && !strings.HasPrefix(l, "{") {
						lines = append(lines, l)
					}
				}
				h := headers.FindString(strings.Join(lines, "\n"))
				return view{Code: code, FirstLine: lines[0], Header: regexp.MustCompile(`^goroutine \d+ `).ReplaceAllString(h, "goroutine N ")}
			}
			want, got := see(plain, plainCode), see(monitored, monitoredCode)
			if want.Code != 2 || want.Header == "" {
				t.Fatalf("without the monitor: %+v\n%s", want, plain)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("with the monitor (-without +with):\n%s\nwithout:\n%s\nwith:\n%s", diff, plain, monitored)
			}
		})
	}
}

// TestMonitorShutdown: after Shutdown the monitor has exited and been
// waited for, a second Shutdown returns the same, and a crash is the
// application's own business again. In the monitor process, Setup
// returned a Monitor that says so, whose PID is 0 and whose Shutdown
// does nothing.
func TestMonitorShutdown(t *testing.T) {
	rcv := newSentry(t)
	stderr, code := run(t, crasherWithMonitor(t), []string{"SENTRY_DSN=" + rcv.DSN("1"), "CRASHER_OUTBOX=" + t.TempDir(), "CRASHER_SAY_MONITOR=1"}, "-monitor", "stop")
	if code != 2 || !strings.Contains(stderr, "crasher: crash monitor stopped: err=<nil> gone=true again=<nil>") ||
		!strings.Contains(stderr, "panic: crash after the monitor stopped") {
		t.Errorf("exit code %d, stderr:\n%s\nwant 2, the monitor stopped and gone, and the crash printed", code, stderr)
	}
	if n := strings.Count(stderr, "crasher: monitor process: IsMonitor=true PID=0 Shutdown=<nil>\n"); n != 1 {
		t.Errorf("the monitor process's Setup said so %d times, want once; stderr:\n%s", n, stderr)
	}
	if evs := rcv.Events("1"); len(evs) != 0 {
		t.Errorf("received %d events after Shutdown, want none", len(evs))
	}
}

// TestStartWithoutRawFile: when the raw crash file cannot be created (here
// "crashes" in the outbox is a file), the crash goes through the pipe as
// before and is reported, and the monitor says what is at risk.
func TestStartWithoutRawFile(t *testing.T) {
	rcv := newSentry(t)
	outbox := t.TempDir()
	if err := os.WriteFile(filepath.Join(outbox, "crashes"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	stderr, code := run(t, crasherWithMonitor(t), []string{"SENTRY_DSN=" + rcv.DSN("1"), "CRASHER_OUTBOX=" + outbox}, "-monitor", "goroutine")
	if code != 2 {
		t.Fatalf("exit code %d, want 2; stderr:\n%s", code, stderr)
	}
	evs := fatalEvents(rcv)
	if len(evs) != 1 || evs[0].Exception[len(evs[0].Exception)-1].Value != "boom in a goroutine" {
		t.Fatalf("received %d fatal events, want the crash; stderr:\n%s", len(evs), stderr)
	}
	if !strings.Contains(stderr, "the crash output is not kept on disk") {
		t.Errorf("the monitor did not say the crash output is not on disk:\n%s", stderr)
	}
}
