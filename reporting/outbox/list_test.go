package outbox_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// tree records every file and directory under dir with its size, mode and
// mtime, to show that a reader changed nothing.
func tree(t *testing.T, dir string) map[string]string {
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
		out[p] = fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestList: a reader finds the pending, claimed and rejected envelopes
// and the files that are not the outbox's own, oldest first, and
// changes nothing (no claim, no quarantine, no rename, no new directory).
func TestList(t *testing.T) {
	dir := t.TempDir()
	o, err := outbox.Open(dir, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	const dest = "https://h/1"
	var names []string
	for i := range 3 {
		ev := &sentry.Event{EventID: sentry.EventID(fmt.Sprintf("%032d", i))}
		env, err := outbox.EncodeEvent(ev, dest)
		if err != nil {
			t.Fatal(err)
		}
		name, err := o.Write(string(ev.EventID), dest, env)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	c, err := o.Claim(dest) // the oldest, 0
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	c2, err := o.Claim(dest) // 1, then rejected
	if err != nil || c2 == nil {
		t.Fatalf("claim: %v %v", c2, err)
	}
	if err := o.Reject(c2, "400: invalid event"); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"notes.txt":             "not ours",
		"crashes/123.crash":     "panic: raw crash output",
		"rejected/stray.txt":    "someone else's",
		"old-name.envelope":     "{}\n",
		".tmp-in-progress":      "half written",
		"crashes/sub/ignored.x": "",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Unix(1000, 0)
	if err := os.Chtimes(filepath.Join(dir, "old-name.envelope"), old, old); err != nil {
		t.Fatal(err)
	}
	before := tree(t, dir)

	l, err := outbox.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Rel     string
		State   outbox.State
		EventID string
		Reason  string
	}
	var got []row
	for _, f := range l.Envelopes {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, row{rel, f.State, f.EventID, f.Reason()})
	}
	owners, err := os.ReadDir(filepath.Join(dir, ".claimed"))
	if err != nil || len(owners) != 1 {
		t.Fatalf("claim owners: %v %v", owners, err)
	}
	claimed := filepath.Join(".claimed", owners[0].Name())
	want := []row{
		{"old-name.envelope", outbox.Pending, "", ""},
		{filepath.Join(claimed, names[0]), outbox.Claimed, fmt.Sprintf("%032d", 0), ""},
		{filepath.Join("rejected", names[1]), outbox.Rejected, fmt.Sprintf("%032d", 1), "400: invalid event"},
		{names[2], outbox.Pending, fmt.Sprintf("%032d", 2), ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("envelopes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"notes.txt", filepath.Join("rejected", "stray.txt")}, l.Other); diff != "" {
		t.Errorf("other files mismatch (-want +got):\n%s", diff)
	}
	env, err := outbox.ReadFound(l.Envelopes[3])
	if err != nil || env.EventID() != fmt.Sprintf("%032d", 2) || env.Destination() != dest {
		t.Errorf("ReadFound = %v, %v", env, err)
	}
	if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
		t.Errorf("List changed the directory (-before +after):\n%s", diff)
	}
}

// TestListErrors: a missing directory or a file is an error about dir.
func TestListErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := outbox.List(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dir: err = %v, want fs.ErrNotExist", err)
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.List(file); err == nil {
		t.Error("a file: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("List created the missing directory")
	}
}

// TestLookup: an event's envelope is found wherever it is (pending,
// claimed, rejected); an unknown or empty ID is an error naming it.
func TestLookup(t *testing.T) {
	dir := t.TempDir()
	o, err := outbox.Open(dir, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	const dest = "https://h/1"
	for i := range 3 {
		ev := &sentry.Event{EventID: sentry.EventID(fmt.Sprintf("%032d", i))}
		env, err := outbox.EncodeEvent(ev, dest)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Write(string(ev.EventID), dest, env); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := o.Claim(dest); err != nil || c == nil { // 0 claimed
		t.Fatalf("claim: %v %v", c, err)
	}
	c, err := o.Claim(dest) // 1 rejected
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	if err := o.Reject(c, "400"); err != nil {
		t.Fatal(err)
	}
	before := tree(t, dir)
	for i := range 3 {
		id := fmt.Sprintf("%032d", i)
		env, err := outbox.Lookup(dir, id)
		if err != nil || env.EventID() != id {
			t.Errorf("Lookup(%s) = %v, %v", id, env, err)
		}
	}
	for _, id := range []string{"", fmt.Sprintf("%032d", 9)} {
		if _, err := outbox.Lookup(dir, id); err == nil {
			t.Errorf("Lookup(%q) found something", id)
		}
	}
	if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
		t.Errorf("Lookup changed the outbox (-before +after):\n%s", diff)
	}
}
