package crash_test

import (
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

// outboxEvents returns the events of the envelopes pending in dir.
func outboxEvents(t *testing.T, dir string) []*sentry.Event {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"+outboxpkg.Suffix))
	var out []*sentry.Event
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		env, err := outboxpkg.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		evs, err := env.Events()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, evs...)
	}
	return out
}

// oneFailure is what a support engineer sees of one crash: each event by
// who made it.
type oneFailure struct {
	InProcess int // events reporting.Go wrote, marked as re-panicked
	Crash     int // events of the crash monitor
	Value     string
}

// failuresOf counts evs as Sentry does, once per event ID: a sender that
// died mid-send leaves its claim for the next one to send again.
func failuresOf(evs []*sentry.Event) oneFailure {
	var f oneFailure
	seen := map[sentry.EventID]bool{}
	for _, ev := range evs {
		if seen[ev.EventID] {
			continue
		}
		seen[ev.EventID] = true
		ex := ev.Exception[len(ev.Exception)-1]
		switch {
		case ev.Contexts[reporting.RePanicContext] != nil:
			f.InProcess++
		case ex.Mechanism != nil && ex.Mechanism.Type == crash.MechanismType:
			f.Crash++
		}
		f.Value = ex.Value
	}
	return f
}

var alreadyReported = regexp.MustCompile(`already reported in-process as ([0-9a-f]{32})`)

// TestRePanicReportedOnce: a panic in a goroutine started with
// reporting.Go and RePanic is reported by the application before the
// process crashes of it; the crash monitor, which reads the same panic,
// sends no second event and says which event it is. A re-panic outside
// reporting.Go (no in-process event) is still reported by the monitor.
func TestRePanicReportedOnce(t *testing.T) {
	for _, tt := range []struct {
		mode string
		want oneFailure
	}{
		{"gorepanic", oneFailure{InProcess: 1, Value: "boom in reporting.Go"}},
		{"repanicked", oneFailure{Crash: 1, Value: "repanicked value"}},
	} {
		t.Run(tt.mode+"/outbox", func(t *testing.T) {
			outbox := t.TempDir()
			stderr, code := run(t, crasherWithMonitor(t), []string{"SENTRY_DSN=", "CRASHER_OUTBOX=" + outbox}, "-monitor", tt.mode)
			if code != 2 || !strings.Contains(stderr, "[recovered, repanicked]") {
				t.Fatalf("exit code %d, want 2, and a re-panicked crash; stderr:\n%s", code, stderr)
			}
			evs := outboxEvents(t, outbox)
			if diff := cmp.Diff(tt.want, failuresOf(evs)); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s\nstderr:\n%s", diff, stderr)
			}
			m := alreadyReported.FindStringSubmatch(stderr)
			switch {
			case tt.want.InProcess == 0 && m != nil:
				t.Errorf("the monitor says %q, with no in-process event", m[0])
			case tt.want.InProcess == 1 && (m == nil || len(evs) != 1 || string(evs[0].EventID) != m[1]):
				t.Errorf("the monitor does not name the in-process event; stderr:\n%s", stderr)
			}
			if raws, _ := filepath.Glob(filepath.Join(outbox, "crashes", "*")); len(raws) != 0 {
				t.Errorf("raw crash files left: %v", raws)
			}
		})
	}

	// With Sentry up: one event arrives, the in-process one, and nothing
	// is left behind.
	t.Run("gorepanic/sentry", func(t *testing.T) {
		srv := reportingtest.NewServer()
		t.Cleanup(srv.Close)
		outbox := t.TempDir()
		stderr, code := run(t, crasherWithMonitor(t), []string{"SENTRY_DSN=" + srv.DSN("1"), "CRASHER_OUTBOX=" + outbox}, "-monitor", "gorepanic")
		if code != 2 {
			t.Fatalf("exit code %d, want 2; stderr:\n%s", code, stderr)
		}
		// The monitor has exited (run waits for it): what was to be sent is.
		if diff := cmp.Diff(oneFailure{InProcess: 1, Value: "boom in reporting.Go"}, failuresOf(srv.Events("1"))); diff != "" {
			t.Errorf("events received mismatch (-want +got):\n%s\nstderr:\n%s", diff, stderr)
		}
		if evs := outboxEvents(t, outbox); len(evs) != 0 {
			t.Errorf("outbox holds %d events, want none", len(evs))
		}
	})
}
