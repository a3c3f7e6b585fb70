package crash

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// TestReportedInProcess: the monitor takes an event in the outbox for the
// crash's own report only when everything says it is: the crash is a
// re-panic, the event carries the marker of the crashed process and of
// the same value, and it was written just before the crash; pending or
// claimed by the sender the process had.
func TestReportedInProcess(t *testing.T) {
	crashAt := time.Unix(1_800_000_000, 0)
	repanic := &Report{Kind: KindPanic, Message: "boom", Panics: []Panic{{Value: "boom", Recovered: true, Repanicked: true}}}
	const pid = 4242
	type envelope struct {
		sub     string // "" pending, or the claimant's directory
		at      time.Time
		marker  sentry.Context
		noEvent bool
	}
	marker := sentry.Context{"pid": pid, "value": "boom"}
	tests := []struct {
		name   string
		report *Report
		pid    int
		files  []envelope
		want   bool
	}{
		{"pending", repanic, pid, []envelope{{at: crashAt.Add(-time.Millisecond), marker: marker}}, true},
		{"claimed by the dead sender", repanic, pid, []envelope{{sub: ".claimed/owner1", at: crashAt.Add(-time.Millisecond), marker: marker}}, true},
		{"value the runtime prints as an address", repanic, pid, []envelope{{at: crashAt, marker: sentry.Context{"pid": pid, "value": ""}}}, true},
		{"no marker", repanic, pid, []envelope{{at: crashAt}}, false},
		{"other process", repanic, pid, []envelope{{at: crashAt, marker: sentry.Context{"pid": pid + 1, "value": "boom"}}}, false},
		{"other value", repanic, pid, []envelope{{at: crashAt, marker: sentry.Context{"pid": pid, "value": "bang"}}}, false},
		{"written long before", repanic, pid, []envelope{{at: crashAt.Add(-inProcessBefore - time.Second), marker: marker}}, false},
		{"written after", repanic, pid, []envelope{{at: crashAt.Add(inProcessAfter + time.Second), marker: marker}}, false},
		{"not a re-panic", &Report{Kind: KindPanic, Message: "boom", Panics: []Panic{{Value: "boom"}}}, pid,
			[]envelope{{at: crashAt, marker: marker}}, false},
		{"fatal error", &Report{Kind: KindFatalError, Message: "boom"}, pid, []envelope{{at: crashAt, marker: marker}}, false},
		{"process unknown", repanic, 0, []envelope{{at: crashAt, marker: marker}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			wantID := ""
			for i, e := range tt.files {
				ev := sentry.NewEvent()
				ev.EventID = sentry.EventID(fmt.Sprintf("%032x", i+1))
				ev.Exception = []sentry.Exception{{Type: "panic", Value: "boom"}}
				if e.marker != nil {
					ev.Contexts[reporting.RePanicContext] = e.marker
				}
				env, err := outbox.EncodeEvent(ev, "")
				if err != nil {
					t.Fatal(err)
				}
				d := filepath.Join(dir, e.sub)
				if err := os.MkdirAll(d, 0o700); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%020d-%s-local%s", e.at.UnixNano(), ev.EventID, outbox.Suffix)
				if err := os.WriteFile(filepath.Join(d, name), env, 0o600); err != nil {
					t.Fatal(err)
				}
				wantID = string(ev.EventID)
			}
			if !tt.want {
				wantID = ""
			}
			if got := reportedInProcess(dir, tt.report, tt.pid, crashAt); got != wantID {
				t.Errorf("reportedInProcess = %q, want %q", got, wantID)
			}
		})
	}
}
