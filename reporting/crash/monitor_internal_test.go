package crash

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMonitorEnv(t *testing.T) {
	got := monitorEnv([]string{"PATH=/bin", "GOGC=50", "GOMEMLIMIT=1GiB", MonitoredPIDVariable + "=9", "SENTRY_DSN=x"}, 42)
	want := []string{"PATH=/bin", "SENTRY_DSN=x", MonitoredPIDVariable + "=42"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("monitorEnv mismatch (-want +got):\n%s", diff)
	}
}

// TestReadOutputBound reads more than maxOutput: the first maxOutput bytes
// are kept, the rest read to the end (so that the application never blocks
// on a full pipe) and dropped.
func TestReadOutputBound(t *testing.T) {
	in := bytes.Repeat([]byte("x"), maxOutput+12345)
	r := bytes.NewReader(in)
	out, started, err := readOutput(r)
	if err != nil || len(out) != maxOutput || r.Len() != 0 || started.IsZero() {
		t.Errorf("readOutput: %d bytes kept, %d left unread, started %v, err %v; want %d, 0, a time, nil", len(out), r.Len(), started, err, maxOutput)
	}
}

// TestEventOfUnparsedOutput: output the parser does not understand is still
// reported, with its text.
func TestEventOfUnparsedOutput(t *testing.T) {
	_, ev := eventOf([]byte("\nsomething went wrong\nsecond line\n"))
	type view struct{ Type, Value, Output string }
	got := view{ev.Exception[0].Type, ev.Exception[0].Value, ev.Contexts["go_crash"]["output"].(string)}
	want := view{"crash", "something went wrong", "\nsomething went wrong\nsecond line\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event mismatch (-want +got):\n%s", diff)
	}
}

// TestParseCrashOutputOfDeadlock reads what the runtime really writes to
// the crash output for a deadlock: the goroutines, without the "fatal
// error:" line (golang/go#76859).
func TestParseCrashOutputOfDeadlock(t *testing.T) {
	out := "\ngoroutine 1 [chan receive]:\nmain.main()\n\t/tmp/gx2/main.go:16 +0xb1\n"
	r, err := Parse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := &Report{Kind: KindFatalError, Message: "all goroutines are asleep - deadlock!", Notes: []string{InferredNote},
		Goroutines: []Goroutine{{ID: 1, State: "chan receive", Frames: []Frame{{Function: "main.main", File: "/tmp/gx2/main.go", Line: 16}}}}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

// TestSetupFailsCleanly: when the monitor cannot be started, Setup says
// why, returns a nil Monitor that is not the monitor, and leaves the
// crash output alone, so that the application runs normally.
func TestSetupFailsCleanly(t *testing.T) {
	findExecutable = func() (string, error) { return "/nonexistent/supportkit-monitor", nil }
	t.Cleanup(func() { findExecutable = executable })
	m, err := Setup(context.Background())
	if err == nil || m.IsMonitor() || m != nil {
		t.Fatalf("Setup = %v, %v; want nil and an error", m, err)
	}
	if !strings.Contains(err.Error(), "monitor not started") {
		t.Errorf("error %q does not say the monitor did not start", err)
	}
}
