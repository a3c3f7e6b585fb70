package outbox

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

func internalEnvelope(t testing.TB, id, dest string) []byte {
	t.Helper()
	h := map[string]any{"event_id": id}
	if dest != "" {
		h[DestinationKey] = dest
	}
	data, err := Encode(h, Item{Header: map[string]any{"type": "event"}, Payload: []byte(`{"message":"` + strings.Repeat("x", 300) + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Write must not list the directory, whatever the backlog: the outbox of
// old listed, stat'ed and sorted it on every write and crawled at 8,000
// files.
func TestWriteDoesNotReadTheDirectory(t *testing.T) {
	dir := t.TempDir()
	o, err := Open(dir, Options{MaxBytes: 200 * 400})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for i := range 300 { // fills the bound, then evicts
		if _, err := o.Write(fmt.Sprint(i), "https://h/1", internalEnvelope(t, fmt.Sprint(i), "https://h/1")); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}

	o, err = Open(dir, Options{MaxBytes: 200 * 400})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	reads := 0
	o.sys.readDir = func(d string) ([]os.DirEntry, error) {
		reads++
		return os.ReadDir(d)
	}
	for i := range 300 {
		if _, err := o.Write(fmt.Sprint(i), "https://h/1", internalEnvelope(t, fmt.Sprint(i), "https://h/1")); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 0 {
		t.Errorf("300 writes read the directory %d times, want 0", reads)
	}
	if s := o.Stats(); s.Evicted == 0 || s.Files > 200 {
		t.Errorf("stats %+v, want evictions within the bound", s)
	}
	if err := o.Rescan(); err != nil || reads != 1 {
		t.Errorf("Rescan = %v with %d reads, want 1 (the seam is live)", err, reads)
	}
}

// A full disk must cost the oldest envelopes, not the newest: the outbox
// of old lost every event written while the disk was full.
func TestWriteEvictsAndRetriesOnENOSPC(t *testing.T) {
	o, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var names []string
	for i := range 5 {
		n, err := o.Write(fmt.Sprint(i), "", internalEnvelope(t, fmt.Sprint(i), ""))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	// The disk is full for the next two attempts, then there is room.
	fails := 2
	o.sys.write = func(f *os.File, b []byte) (int, error) {
		if fails > 0 {
			fails--
			return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
		}
		return f.Write(b)
	}
	newest, err := o.Write("new", "", internalEnvelope(t, "new", ""))
	if err != nil {
		t.Fatalf("Write on a full disk = %v, want eviction and success", err)
	}
	s := o.Stats()
	if s.Evicted != 2 || s.Files != 4 {
		t.Errorf("stats %+v, want 2 evicted, 4 files", s)
	}
	for _, n := range names[:2] {
		if _, err := os.Stat(o.dir + "/" + n); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("oldest %s still there: %v", n, err)
		}
	}
	if _, err := os.Stat(o.dir + "/" + newest); err != nil {
		t.Errorf("newest: %v", err)
	}
	tmps, _ := os.ReadDir(o.dir)
	for _, de := range tmps {
		if strings.HasPrefix(de.Name(), tmpPrefix) {
			t.Errorf("temporary file left: %s", de.Name())
		}
	}

	// When nothing is left to evict, the error comes out.
	o.sys.write = func(f *os.File, b []byte) (int, error) {
		return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	if _, err := o.Write("x", "", internalEnvelope(t, "x", "")); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Write with no room at all = %v, want ENOSPC", err)
	}
	if s := o.Stats(); s.Files != 0 || s.Evicted != 6 {
		t.Errorf("stats %+v, want everything evicted trying", s)
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		name, tag string
		ok        bool
	}{
		{"01763960400123456789-abc-local.envelope", "local", true},
		{"01763960400123456789-abc-0a1b2c3d.envelope", "0a1b2c3d", true},
		{"01763960400123456789-a-b-0a1b2c3d.envelope", "0a1b2c3d", true},
		{"01763960400123456789-abc.envelope", "", false},
		{"01763960400123456789--local.envelope", "", false},
		{"0176396040012345678x-abc-local.envelope", "", false},
		{"01763960400123456789-abc-0A1B2C3D.envelope", "", false},
		{"01763960400123456789-abc-local.envelope.tmp", "", false},
		{"x.envelope", "", false},
	}
	for _, tt := range tests {
		tag, ok := parseName(tt.name)
		if tag != tt.tag || ok != tt.ok {
			t.Errorf("parseName(%q) = %q, %v; want %q, %v", tt.name, tag, ok, tt.tag, tt.ok)
		}
	}
	if tag, ok := parseName(fmt.Sprintf("%020d-%s-%s%s", 1, fileEventID("9ec7-9c33"), destTag("https://h/1"), Suffix)); !ok || tag != destTag("https://h/1") {
		t.Errorf("a name Write makes does not parse: %q, %v", tag, ok)
	}
}
