//go:build e2e && linux

package crash_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// container is how the tests run a program as a container with an init
// does (docker run --init): tini is PID 1 of a new PID namespace, and when
// the program exits, tini exits, and the kernel kills every other process
// of the namespace, the crash monitor included.
var container = []string{"unshare", "--pid", "--fork", "--mount-proc", "tini", "-s", "--"}

func needContainer(t *testing.T) {
	t.Helper()
	for _, prog := range []string{"unshare", "tini"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Fatalf("%s not found: run .ci/setup.d/tini.sh (%v)", prog, err)
		}
	}
	if out, err := exec.Command(container[0], append(container[1:], "true")...).CombinedOutput(); err != nil {
		t.Fatalf("cannot make a PID namespace here (needs root or user namespaces): %v\n%s", err, out)
	}
}

// TestE2ECrashInContainer crashes the example service, its crash monitor
// on, in a container-like PID namespace under tini, while Sentry hangs:
// the monitor dies with the namespace before it can deliver. The service
// then starts again outside, with Sentry up: the crash arrives, once,
// under the event ID the dead monitor chose, and no raw crash file is
// left.
func TestE2ECrashInContainer(t *testing.T) {
	needContainer(t)
	bin := servicetest.Build(t, "")
	hang := hangingSentry(t)
	outbox := t.TempDir()
	base := []string{"SUPPORTKIT_OUTBOX=" + outbox, "OTEL_SDK_DISABLED=true"}

	s := servicetest.Start(t, bin, servicetest.Options{Env: append(base, "SENTRY_DSN="+hang.DSN("1")),
		Args: []string{"-crash-monitor"}, Under: container})
	monitorPID(t, s)
	// crashService waits until the namespace's last process is gone: the
	// standard error they share is closed.
	if code := crashService(t, s); code != 2 {
		t.Fatalf("tini exit code %d, want the service's 2\nstderr:\n%s", code, s.Stderr())
	}
	if strings.Contains(s.Stderr(), `"msg":"crash reported"`) {
		t.Fatalf("the monitor reported before the namespace died; the test proves nothing\nstderr:\n%s", s.Stderr())
	}
	raws, _ := filepath.Glob(filepath.Join(outbox, "crashes", "*.crash"))
	if len(raws) != 1 {
		t.Fatalf("raw crash files %v, want the one the killed monitor wrote\nstderr:\n%s", raws, s.Stderr())
	}

	rcv := newSentry(t)
	next := servicetest.Start(t, bin, servicetest.Options{Env: append(base, "SENTRY_DSN="+rcv.DSN("1")), Args: []string{"-crash-monitor"}})
	got := waitFatal(rcv, 30*time.Second)
	if len(got) != 1 {
		t.Fatalf("after the restart the receiver got %d fatal events, want the crash\nstderr:\n%s", len(got), next.Stderr())
	}
	want := crashSummary{Level: sentry.LevelFatal, Type: "panic", Value: "demonstration crash requested with POST /crash",
		Function: "main.crashUnwrapped", Mechanism: "go.crash", ThreadOK: true}
	if diff := cmp.Diff(want, summarize(got[0])); diff != "" {
		t.Errorf("event mismatch (-want +got):\n%s", diff)
	}
	if id := string(got[0].EventID); !strings.Contains(filepath.Base(raws[0]), id) {
		t.Errorf("event ID %s is not the one in the raw file's name %s", id, raws[0])
	}
	if got[0].Tags["service"] != "supportkit-example" {
		t.Errorf("event tags %v, want service=supportkit-example", got[0].Tags)
	}
	// The running service's own raw file (with its PID) stays; the
	// recovered one is gone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, _ := os.ReadDir(filepath.Join(outbox, "crashes"))
		own := fmt.Sprintf("-%d-", next.Cmd.Process.Pid)
		if len(left) == 1 && strings.Contains(left[0].Name(), own) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("crashes directory holds %v, want only the running service's (%s)", left, own)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestE2EReadmeSnippetAsPID1 runs the README's snippet as PID 1 of a PID
// namespace (a container without an init), where Start refuses to start a
// monitor: the program says so, runs, and exits 0; deferring Stop on the
// nil Monitor does not panic.
func TestE2EReadmeSnippetAsPID1(t *testing.T) {
	needContainer(t)
	bin := servicetest.Build(t, "./reporting/crash/internal/readmeexample")
	cache := t.TempDir()
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", bin)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "HOME="+cache, "SENTRY_DSN=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "crash monitor not started") || !strings.Contains(string(out), "the application ran") {
		t.Errorf("readmeexample as PID 1: %v, want exit 0 after \"crash monitor not started\" and \"the application ran\":\n%s", err, out)
	}
}
