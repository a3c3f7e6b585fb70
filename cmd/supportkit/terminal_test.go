package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// TestTerminalSafe: text from an event cannot send escape sequences to the
// engineer's terminal; JSON output keeps the text exactly.
func TestTerminalSafe(t *testing.T) {
	dir := t.TempDir()
	ev := sentry.NewEvent()
	ev.EventID = "0123456789abcdef0123456789abcdef"
	ev.Message = "login failed for \x1b[2J\x1b]0;owned\x07 user\u009b31m"
	ev.Request = &sentry.Request{URL: "http://x/\x1b[31mred", Method: "GET"}
	env, err := outbox.EncodeEvent(ev, "")
	if err != nil {
		t.Fatal(err)
	}
	name := "01796023098247651450-0123456789abcdef0123456789abcdef-local.envelope"
	if err := os.WriteFile(filepath.Join(dir, name), env, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"ls", "-outbox", dir},
		{"show", "-outbox", dir, string(ev.EventID)},
		{"report", "-outbox", dir},
	} {
		stdout, stderr, code := runCmd(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if strings.ContainsAny(stdout+stderr, "\x1b\x07\u009b") {
			t.Errorf("%v: control characters reach the terminal:\n%q", args, stdout)
		}
		if !strings.Contains(stdout, "login failed for ?[2J?]0;owned? user?31m") {
			t.Errorf("%v: the message is not shown with its controls replaced:\n%s", args, stdout)
		}
	}
	stdout, _, _ := runCmd(t, "show", "-outbox", dir, "-json", string(ev.EventID))
	var out showOutput
	if err := json.NewDecoder(bytes.NewReader([]byte(stdout))).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if got := out.Events[0].Title; got != ev.Message {
		t.Errorf("show -json title = %q, want %q", got, ev.Message)
	}
}
