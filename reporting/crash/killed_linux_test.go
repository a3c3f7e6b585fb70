package crash_test

import (
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

	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// hangingSentry is a fake Sentry that reads requests and never answers,
// so that a monitor delivering to it stays in the middle of its delivery.
func hangingSentry(t *testing.T) *reportingtest.Server {
	t.Helper()
	srv := newSentry(t)
	srv.Set(reportingtest.Hang())
	return srv
}

// startWithFileStderr starts the crasher with its standard error (shared
// with the monitor) in a file, so that waiting for the crasher does not
// wait for the monitor, and returns the monitor's PID.
func startWithFileStderr(t *testing.T, env []string, args ...string) (*exec.Cmd, int, func() string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cmd := exec.Command(crasherWithMonitor(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	read := func() string { b, _ := os.ReadFile(f.Name()); return string(b) }
	re := regexp.MustCompile(`crash monitor started, pid (\d+)`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(read()); m != nil {
			pid, _ := strconv.Atoi(m[1])
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
			return cmd, pid, read
		}
		if time.Now().After(deadline) {
			t.Fatalf("no monitor started:\n%s", read())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMonitorKilledAfterCrash is a container's end without the container:
// the application crashes, and its monitor is SIGKILLed while it delivers
// (as the kernel kills every process of a PID namespace when its init
// exits). The crash is on disk; the next start's monitor reports it, under
// the event ID and with the time of the crash, and removes it.
func TestMonitorKilledAfterCrash(t *testing.T) {
	hang := hangingSentry(t)
	outbox := t.TempDir()
	app, mon, stderr := startWithFileStderr(t, []string{"SENTRY_DSN=" + hang.DSN("1"), "CRASHER_OUTBOX=" + outbox}, "-monitor", "hang")
	waitMonitorReady(t, mon)
	// SIGQUIT: the runtime prints every goroutine and exits with 2.
	if err := app.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	_ = app.Wait()
	// Once a request has reached Sentry, the monitor has read the crash
	// and is delivering it.
	for deadline := time.Now().Add(20 * time.Second); hang.Requests() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the monitor never tried to deliver:\n%s", stderr())
		}
	}
	if err := syscall.Kill(mon, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for procStat(t, mon).state != "" && procStat(t, mon).state != "Z" {
		time.Sleep(10 * time.Millisecond)
	}
	raws, _ := filepath.Glob(filepath.Join(outbox, "crashes", "*.crash"))
	if len(raws) != 1 {
		t.Fatalf("raw crash files %v, want one\nstderr:\n%s", raws, stderr())
	}
	info, err := os.Stat(raws[0])
	if err != nil {
		t.Fatal(err)
	}
	wantID := strings.TrimSuffix(filepath.Base(raws[0]), ".crash")
	wantID = wantID[strings.LastIndexByte(wantID, '-')+1:]

	// The next start, with Sentry back.
	rcv := newSentry(t)
	out, code := run(t, crasherWithMonitor(t), []string{"SENTRY_DSN=" + rcv.DSN("1"), "CRASHER_OUTBOX=" + outbox}, "-monitor", "exit0")
	if code != 0 {
		t.Fatalf("next start: exit code %d\n%s", code, out)
	}
	evs := fatalEvents(rcv)
	if len(evs) != 1 {
		t.Fatalf("received %d fatal events, want the earlier crash\nstderr:\n%s", len(evs), out)
	}
	type view struct {
		EventID, Type, Value string
		Level                sentry.Level
		Tag                  string
		At                   time.Time
	}
	ex := evs[0].Exception[len(evs[0].Exception)-1]
	got := view{string(evs[0].EventID), ex.Type, ex.Value, evs[0].Level, evs[0].Tags["program"], evs[0].Timestamp.Truncate(time.Millisecond)}
	want := view{wantID, "signal", "SIGQUIT: quit", sentry.LevelFatal, "crasher", info.ModTime().UTC().Truncate(time.Millisecond)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recovered event mismatch (-want +got):\n%s\nstderr:\n%s", diff, out)
	}
	if left, _ := os.ReadDir(filepath.Join(outbox, "crashes")); len(left) != 0 {
		t.Errorf("crashes directory still holds %v", left)
	}
	if !strings.Contains(out, `"recovered":true`) {
		t.Errorf("the next monitor did not log the recovery:\n%s", out)
	}
}
