//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reachableByOthers tells whether every directory from / to dir lets
// other users through.
func reachableByOthers(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil || info.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// buildCommand builds the command into dir.
func buildCommand(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "supportkit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestReadOnly runs the built command as a user who may read the outbox
// but not write it: root runs it as nobody (uid 65534) against a copy
// owned by root with modes 0755/0644 (root itself could write anything
// whatever the modes); another user runs it as itself against a copy it
// made read-only. Every read command works and leaves every file (names,
// modes, sizes, mtimes, contents) as it was: no .claimed, .owners or
// rejected/ appears. An outbox the user may not read at all is a clear
// error.
func TestReadOnly(t *testing.T) {
	base := os.TempDir()
	if os.Geteuid() == 0 && !reachableByOthers(base) {
		base = "/tmp" // nobody must reach the copies: a TMPDIR under /root would hide them
	}
	root, err := os.MkdirTemp(base, "supportkit-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil { // MkdirTemp makes it 0700
		t.Fatal(err)
	}
	bin := buildCommand(t, root)
	outboxes := map[string]string{}
	for _, name := range []string{"outbox", "mixed"} {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		copyTree(t, filepath.Join("testdata", name), dir)
		outboxes[name] = dir
	}
	private := filepath.Join(root, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join("testdata", "outbox"), private)
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}

	asRoot := os.Geteuid() == 0
	if !asRoot {
		// Without root, make the copies read-only for ourselves.
		for _, dir := range outboxes {
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					os.Chmod(p, 0o444)
				}
				return nil
			})
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					os.Chmod(p, 0o555)
				}
				return nil
			})
			t.Cleanup(func() {
				filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
					if err == nil && d.IsDir() {
						os.Chmod(p, 0o755)
					}
					return nil
				})
			})
		}
		if err := os.Chmod(private, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(private, 0o700) })
	}
	runAs := func(args ...string) (string, string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
		cmd.Dir = "/"
		if asRoot {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		code := 0
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("%v: %v", args, err)
			}
			code = ee.ExitCode()
		}
		return o.String(), e.String(), code
	}
	before := map[string]map[string]string{}
	for name, dir := range outboxes {
		before[name] = snapshot(t, dir)
	}
	for _, tc := range []struct {
		outbox string
		args   []string
		golden string
	}{
		{"outbox", []string{"ls"}, "ls.txt"},
		{"outbox", []string{"ls", "-json"}, "ls.json"},
		{"outbox", []string{"show", demoFailEvent}, "show-event-id.txt"},
		{"outbox", []string{"show", "-json", demoFailEvent}, "show.json"},
		{"outbox", []string{"report", "-since", "2h", "-now", "2026-11-30T08:00:00Z"}, "report.md"},
		{"mixed", []string{"ls"}, "mixed-ls.txt"},
		{"mixed", []string{"show", mixedAttached}, "mixed-show-attachments.txt"},
		{"mixed", []string{"report", "-since", "1h", "-now", "2026-11-30T07:00:00Z", "-top", "2"}, "mixed-report.md"},
	} {
		dir := outboxes[tc.outbox]
		args := append(append([]string{}, tc.args[0], "-outbox", dir), tc.args[1:]...)
		stdout, stderr, code := runAs(args...)
		if code != 0 {
			t.Errorf("%v: exit %d, stderr:\n%s", tc.args, code, stderr)
			continue
		}
		got := stdout
		if stderr != "" {
			got += "--- stderr\n" + stderr
		}
		want, err := os.ReadFile(filepath.Join("testdata", "golden", tc.golden))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), strings.ReplaceAll(got, dir, "$OUTBOX")); diff != "" {
			t.Errorf("%v: output mismatch (-want +got):\n%s", tc.args, diff)
		}
	}
	for name, dir := range outboxes {
		if diff := cmp.Diff(before[name], snapshot(t, dir)); diff != "" {
			t.Errorf("outbox %s changed (-before +after):\n%s", name, diff)
		}
	}

	_, stderr, code := runAs("ls", "-outbox", private)
	if want := "outbox " + private + " cannot be read: permission denied"; code != exitFailure || !strings.Contains(stderr, want) {
		t.Errorf("unreadable outbox: exit %d, stderr %q; want exit 1 saying %q", code, stderr, want)
	}
}
