package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runCmd runs the command in this process.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return o.String(), e.String(), code
}

// copyTree copies the fixture src into dst (which exists), files 0644 and
// directories 0755.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			if err := os.MkdirAll(to, 0o755); err != nil {
				return err
			}
			return os.Chmod(to, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fixture returns a private copy of testdata/<name>.
func fixture(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join("testdata", name), dir)
	return dir
}

// snapshot describes every file and directory under dir: name, mode,
// size, mtime and content, to show that nothing changed.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			desc += " " + hex.EncodeToString(sum[:8])
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// golden compares got with testdata/golden/name, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// The demo outbox holds what `go run ./examples/service -demo` wrote (an
// internal error, a handler panic, a goroutine panic, a crash reported by
// the crash monitor); the mixed one is hand-written (testdata/make_mixed.py):
// attachments, log events, a rejected event, a crash not yet reported,
// foreign and corrupt files. To make the demo outbox again (the IDs below
// and the README's walkthrough change with it):
//
//	rm -rf /tmp/ob && SUPPORTKIT_OUTBOX=/tmp/ob go run ./examples/service -demo
//	rm cmd/supportkit/testdata/outbox/* && cp /tmp/ob/*.envelope cmd/supportkit/testdata/outbox/
//	go test ./cmd/supportkit -run TestGolden -update
const (
	demoFailEvent  = "d3944cbc9df64d1baad8211a296456f8"     // GET /fail: its reference ID too
	demoPanicRef   = "04653eed-0eed-4758-9ed4-9772812c4785" // GET /panic's reference ID, as a UUID
	demoGoroutineT = "54e3b4bb7134a0e276e23333dd4a0b84"     // GET /panic/goroutine answered 202 with this trace ID
	mixedTrace     = "4bf92f3577b34da6a3ce929d0e0e4736"
	mixedAttached  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
)

// TestGolden: ls, show and report over the fixtures give the output a
// person reads (and scripts parse), and change nothing in the outbox.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		golden  string
		fixture string
		args    []string
	}{
		{"ls.txt", "outbox", []string{"ls"}},
		{"ls.json", "outbox", []string{"ls", "-json"}},
		{"show-event-id.txt", "outbox", []string{"show", demoFailEvent}},
		{"show-reference-id.txt", "outbox", []string{"show", demoPanicRef}},
		{"show-trace-id.txt", "outbox", []string{"show", demoGoroutineT}},
		{"show.json", "outbox", []string{"show", demoFailEvent, "-json"}},
		{"report.md", "outbox", []string{"report", "-since", "2h", "-now", "2026-11-30T08:00:00Z"}},
		{"mixed-ls.txt", "mixed", []string{"ls"}},
		{"mixed-ls.json", "mixed", []string{"ls", "-json"}},
		{"mixed-ls-filtered.txt", "mixed", []string{"ls", "-level", "warning", "-route", "/checkout", "-since", "55m", "-now", "2026-11-30T07:00:00Z"}},
		{"mixed-show-attachments.txt", "mixed", []string{"show", mixedAttached}},
		{"mixed-show-attachments.json", "mixed", []string{"show", "-json", mixedAttached}},
		{"mixed-show-trace.txt", "mixed", []string{"show", strings.ToUpper(mixedTrace)}},
		{"mixed-report.md", "mixed", []string{"report", "-since", "1h", "-now", "2026-11-30T07:00:00Z", "-top", "2"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			dir := fixture(t, tc.fixture)
			before := snapshot(t, dir)
			args := append(append([]string{}, tc.args[0], "-outbox", dir), tc.args[1:]...)
			stdout, stderr, code := runCmd(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			out := stdout
			if stderr != "" {
				out += "--- stderr\n" + stderr
			}
			golden(t, tc.golden, strings.ReplaceAll(out, dir, "$OUTBOX"))
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("the outbox changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestReportDeterministic: the same input and -now give the same report,
// whatever order the directory lists its files in.
func TestReportDeterministic(t *testing.T) {
	a := fixture(t, "mixed")
	first, _, code := runCmd(t, "report", "-outbox", a, "-now", "2026-11-30T07:00:00Z", "-since", "1h")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for range 3 {
		again, _, _ := runCmd(t, "report", "-outbox", a, "-now", "2026-11-30T07:00:00Z", "-since", "1h")
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("report changed between runs (-first +again):\n%s", diff)
		}
	}
}

// TestSaveAttachments: show -save writes the attachments where asked,
// under their base names only, and never into the outbox.
func TestSaveAttachments(t *testing.T) {
	dir := fixture(t, "mixed")
	out := filepath.Join(t.TempDir(), "saved")
	stdout, stderr, code := runCmd(t, "show", "-outbox", dir, "-save", out, mixedAttached)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := map[string]string{}
	des, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		data, _ := os.ReadFile(filepath.Join(out, de.Name()))
		got[de.Name()] = string(data)
	}
	want := map[string]string{"flight.trace": "go 1.26 trace\x00\x01\x02", "cpu.pprof": "\x1f\x8b fake profile", "notes.txt": "a note\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("saved attachments mismatch (-want +got):\n%s", diff)
	}
	if want := "go tool trace " + filepath.Join(out, "flight.trace"); !strings.Contains(stdout, want) {
		t.Errorf("output does not say %q:\n%s", want, stdout)
	}
	_, stderr, code = runCmd(t, "show", "-outbox", dir, "-save", filepath.Join(dir, "x"), mixedAttached)
	if code != exitUsage || !strings.Contains(stderr, "inside the outbox") {
		t.Errorf("-save inside the outbox: exit %d, stderr %q; want exit 2 saying so", code, stderr)
	}
}

// TestErrors: each mistake gets its exit status and a message that says
// what is wrong.
func TestErrors(t *testing.T) {
	dir := fixture(t, "outbox")
	t.Setenv("SUPPORTKIT_OUTBOX", "")
	t.Setenv("SENTRY_DSN", "")
	missing := filepath.Join(t.TempDir(), "nope")
	for _, tc := range []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"no command", nil, exitUsage, "Usage:"},
		{"unknown command", []string{"list"}, exitUsage, `unknown command "list"`},
		{"bad flag", []string{"ls", "-outbox", dir, "-bogus"}, exitUsage, "flag provided but not defined: -bogus"},
		{"no outbox named", []string{"ls"}, exitUsage, "which outbox?"},
		{"missing dir", []string{"ls", "-outbox", missing}, exitFailure, "outbox " + missing + " does not exist"},
		{"a file, not a dir", []string{"ls", "-outbox", filepath.Join(dir, "01796023098247651450-d3944cbc9df64d1baad8211a296456f8-local.envelope")}, exitFailure, "not a directory"},
		{"unknown ID", []string{"show", "-outbox", dir, "0123456789abcdef0123456789abcdef"}, exitFailure,
			"no event with ID 0123456789abcdef0123456789abcdef: searched the event IDs and trace IDs of 4 events in " + dir},
		{"not an ID", []string{"show", "-outbox", dir, "hello"}, exitUsage, `"hello" is not an event, reference or trace ID`},
		{"show without ID", []string{"show", "-outbox", dir}, exitUsage, "show takes one ID"},
		{"bad level", []string{"ls", "-outbox", dir, "-level", "loud"}, exitUsage, `-level "loud" is not a level`},
		{"bad since", []string{"report", "-outbox", dir, "-since", "yesterday"}, exitUsage, `-since "yesterday" is neither a duration`},
		{"bad now", []string{"report", "-outbox", dir, "-now", "8am"}, exitUsage, `-now "8am" is not an RFC 3339 time`},
		{"send without DSN", []string{"send", "-outbox", dir}, exitUsage, "-dsn is required"},
		{"send with a bad DSN", []string{"send", "-outbox", dir, "-dsn", "mysecretkey@nowhere"}, exitUsage, "-dsn is not a Sentry DSN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.say) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d saying %q", code, stderr, tc.code, tc.say)
			}
			if strings.Contains(stderr, "mysecretkey") {
				t.Errorf("the DSN's key is in the message: %s", stderr)
			}
		})
	}
}

// TestHelp: -h prints the package documentation and exits 0.
func TestHelp(t *testing.T) {
	stdout, _, code := runCmd(t, "-h")
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"Command supportkit reads", "supportkit report [-outbox DIR", "# Exit status"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-h does not say %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "//") {
		t.Errorf("-h shows comment markers:\n%s", stdout)
	}
	_, stderr, code := runCmd(t, "ls", "-h")
	if code != exitOK || !strings.Contains(stderr, "usage: supportkit ls") {
		t.Errorf("ls -h: exit %d, stderr:\n%s", code, stderr)
	}
}
