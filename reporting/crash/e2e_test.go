//go:build e2e

package crash_test

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/internal/servicetest"
	outboxpkg "github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// crashService asks the service to crash (POST /crash) and waits for it to
// exit, and for its monitor, which shares its standard error; it returns
// the exit code.
func crashService(t *testing.T, s *servicetest.Service) int {
	t.Helper()
	resp, err := http.Post(s.URL+"/crash", "application/json", nil)
	if err != nil {
		t.Fatalf("POST /crash: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /crash: %s, want 202 (is the crash monitor on?)\nstderr:\n%s", resp.Status, s.Stderr())
	}
	err, ok := s.Wait(30 * time.Second)
	if !ok {
		t.Fatalf("the service did not exit within 30s of POST /crash\nstderr:\n%s", s.Stderr())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("the service exited with %v, want a crash\nstderr:\n%s", err, s.Stderr())
	}
	return ee.ExitCode()
}

// crashView is what must not change when the monitor is on: the exit code,
// the first line of the crash and the crashing goroutine's header.
type crashView struct {
	Code      int
	FirstLine string
	Header    string
	Function  string
}

var (
	goroutineHeaderRE = regexp.MustCompile(`(?m)^goroutine \d+ (\[[^\]]*\]):$`)
	panicLineRE       = regexp.MustCompile(`(?m)^(panic|fatal error): .*$`)
)

func viewOf(stderr string, code int) crashView {
	v := crashView{Code: code, FirstLine: panicLineRE.FindString(stderr)}
	if m := goroutineHeaderRE.FindStringSubmatch(stderr); m != nil {
		v.Header = "goroutine N " + m[1] + ":"
	}
	// The first call under the header: the function that crashed.
	if i := goroutineHeaderRE.FindStringIndex(stderr); i != nil {
		rest := strings.SplitN(stderr[i[1]:], "\n", 3)
		if len(rest) > 1 {
			v.Function, _, _ = strings.Cut(rest[1], "(")
		}
	}
	return v
}

func monitorPID(t *testing.T, s *servicetest.Service) int {
	t.Helper()
	l, err := s.WaitLog(t.Context(), 10*time.Second, func(m map[string]any) bool { return m["msg"] == "crash monitor started" })
	if err != nil {
		t.Fatalf("no \"crash monitor started\" line: %v\nstderr:\n%s", err, s.Stderr())
	}
	pid, _ := l["monitor_pid"].(float64)
	return int(pid)
}

// TestE2ECrashReachesSentry crashes the example service with POST /crash,
// its crash monitor on: the Sentry-side receiver gets one fatal event whose
// exception stack names the crashing function, and the service's exit
// code and crash output are those of the same crash with no monitor to
// read it.
func TestE2ECrashReachesSentry(t *testing.T) {
	bin := servicetest.Build(t, "")
	rcv := newSentry(t)
	env := []string{"SENTRY_DSN=" + rcv.DSN("1"), "SUPPORTKIT_OUTBOX=" + t.TempDir(), "OTEL_SDK_DISABLED=true"}

	// Reference: the same crash with the monitor gone (killed), so that
	// nothing reads the crash output. Its own outbox: the crash it leaves
	// on disk would be reported by the next monitor using the same one.
	refEnv := append(env[:len(env):len(env)], "SUPPORTKIT_OUTBOX="+t.TempDir())
	ref := servicetest.Start(t, bin, servicetest.Options{Env: refEnv, Args: []string{"-crash-monitor"}})
	if err := syscall.Kill(monitorPID(t, ref), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	code := crashService(t, ref)
	want := viewOf(ref.Stderr(), code)
	if want.Code != 2 || want.FirstLine != "panic: demonstration crash requested with POST /crash" || want.Function != "main.crashUnwrapped" {
		t.Fatalf("reference crash: %+v\nstderr:\n%s", want, ref.Stderr())
	}
	if n := len(fatalEvents(rcv)); n != 0 {
		t.Fatalf("with the monitor killed, %d fatal events arrived", n)
	}

	for _, tt := range []struct {
		name string
		opts servicetest.Options
	}{
		{"flag", servicetest.Options{Env: env, Args: []string{"-crash-monitor"}}},
		{"variable", servicetest.Options{Env: append(env, "SUPPORTKIT_CRASH_MONITOR=1")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(fatalEvents(rcv))
			s := servicetest.Start(t, bin, tt.opts)
			monitorPID(t, s)
			code := crashService(t, s)
			got := viewOf(s.Stderr(), code)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("crash with the monitor differs from the crash without (-without +with):\n%s\nstderr:\n%s", diff, s.Stderr())
			}
			evs := fatalEvents(rcv)[before:]
			if len(evs) != 1 {
				t.Fatalf("received %d fatal events, want 1\nstderr:\n%s", len(evs), s.Stderr())
			}
			wantEv := crashSummary{Level: sentry.LevelFatal, Type: "panic", Value: "demonstration crash requested with POST /crash",
				Function: "main.crashUnwrapped", Mechanism: "go.crash", ThreadOK: true}
			if diff := cmp.Diff(wantEv, summarize(evs[0])); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
			if evs[0].Tags["service"] != "supportkit-example" {
				t.Errorf("event tags %v, want service=supportkit-example", evs[0].Tags)
			}
			if !strings.Contains(s.Stderr(), string(evs[0].EventID)) {
				t.Errorf("the monitor's log line does not name event %s:\n%s", evs[0].EventID, s.Stderr())
			}
		})
	}
}

// TestE2ECrashWhileSentryIsDown crashes the service while the receiver is
// down: the event waits in the outbox and arrives when the service starts
// again with the receiver up.
func TestE2ECrashWhileSentryIsDown(t *testing.T) {
	bin := servicetest.Build(t, "")
	rcv := newSentry(t)
	rcv.Set(reportingtest.Down())
	outbox := t.TempDir()
	env := []string{"SENTRY_DSN=" + rcv.DSN("1"), "SUPPORTKIT_OUTBOX=" + outbox, "OTEL_SDK_DISABLED=true"}

	s := servicetest.Start(t, bin, servicetest.Options{Env: env, Args: []string{"-crash-monitor"}})
	monitorPID(t, s)
	if code := crashService(t, s); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	ids := fatalInOutbox(t, outbox)
	if len(ids) != 1 {
		t.Fatalf("outbox holds %d fatal events, want 1\nstderr:\n%s", len(ids), s.Stderr())
	}

	rcv.Set(reportingtest.Up())
	next := servicetest.Start(t, bin, servicetest.Options{Env: env})
	got := waitFatal(rcv, 30*time.Second)
	if len(got) != 1 || string(got[0].EventID) != ids[0] {
		t.Fatalf("after the restart the receiver got %d fatal events, want the outbox's %s\nstderr:\n%s", len(got), ids[0], next.Stderr())
	}
	if diff := cmp.Diff(crashSummary{Level: sentry.LevelFatal, Type: "panic", Value: "demonstration crash requested with POST /crash",
		Function: "main.crashUnwrapped", Mechanism: "go.crash", ThreadOK: true}, summarize(got[0])); diff != "" {
		t.Errorf("event mismatch (-want +got):\n%s", diff)
	}
	next.Stop(t)
	if left := fatalInOutbox(t, outbox); len(left) != 0 {
		t.Errorf("outbox still holds %v after delivery", left)
	}
}

// fatalInOutbox returns the IDs of the fatal events in the outbox.
func fatalInOutbox(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"+outboxpkg.Suffix))
	var ids []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		env, err := outboxpkg.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		evs, _ := env.Events()
		for _, ev := range evs {
			if ev.Level == sentry.LevelFatal {
				ids = append(ids, string(ev.EventID))
			}
		}
	}
	return ids
}

// TestE2EGracefulStopWithMonitor stops the service, its monitor on, with
// SIGTERM: it exits 0 as always, its monitor exits with it, and nothing is
// reported.
func TestE2EGracefulStopWithMonitor(t *testing.T) {
	bin := servicetest.Build(t, "")
	rcv := newSentry(t)
	s := servicetest.Start(t, bin, servicetest.Options{
		Env:  []string{"SENTRY_DSN=" + rcv.DSN("1"), "SUPPORTKIT_OUTBOX=" + t.TempDir(), "OTEL_SDK_DISABLED=true"},
		Args: []string{"-crash-monitor"},
	})
	mon := monitorPID(t, s)
	if err := s.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Wait returns once the service has exited and its standard error,
	// which the monitor shares, is closed: the monitor has exited too.
	err, ok := s.Wait(60 * time.Second)
	if !ok || err != nil {
		t.Fatalf("after SIGTERM: exited=%v err=%v, want exit 0\nstderr:\n%s", ok, err, s.Stderr())
	}
	// Its standard error closes a moment before the kernel marks it a
	// zombie (it is already exiting then): allow that moment.
	var st []byte
	gone := func() bool {
		if syscall.Kill(mon, 0) != nil {
			return true
		}
		st, _ = os.ReadFile("/proc/" + strconv.Itoa(mon) + "/stat")
		return len(st) == 0 || strings.Contains(string(st), ") Z ")
	}
	deadline := time.Now().Add(2 * time.Second)
	for !gone() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !gone() {
		t.Errorf("monitor %d still running 2s after the service exited: %s", mon, st)
	}
	if evs := fatalEvents(rcv); len(evs) != 0 {
		t.Errorf("received %d fatal events after a graceful stop, want none", len(evs))
	}
}
