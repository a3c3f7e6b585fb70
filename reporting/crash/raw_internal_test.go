//go:build unix

package crash

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

const crashOutput = "panic: boom\n\ngoroutine 7 [running]:\nmain.explode()\n\t/src/main.go:9 +0x1d\n"

// writeRaw writes a raw crash file as a dead monitor leaves it: named,
// unlocked, with output, and modified at mtime.
func writeRaw(t *testing.T, dir string, n int, output string, mtime time.Time) string {
	t.Helper()
	name := filepath.Join(dir, fmt.Sprintf("%020d-%d-%032x%s", n, 100+n, n, rawSuffix))
	if err := os.WriteFile(name, []byte(output), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return name
}

type recovered struct {
	Output  string
	At      time.Time
	AppPID  int
	EventID string
}

func left(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

// TestRecoverLeftovers: a dead monitor's file is reported under the event
// ID its name carries, at its modification time, and removed; a live
// monitor's (locked) file, this monitor's own and a file being created
// are left alone; empty, old unfinished and foreign files are removed with
// a log line.
func TestRecoverLeftovers(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	dead := writeRaw(t, dir, 1, crashOutput, at)
	empty := writeRaw(t, dir, 2, "", at)
	own, ownName, err := createRaw(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	live, liveName, err := createRaw(dir, 4) // another live monitor's
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, err := live.WriteString(crashOutput); err != nil {
		t.Fatal(err)
	}
	unfinished := filepath.Join(dir, ".tmp-123")
	foreign := filepath.Join(dir, "notes.txt")
	old := time.Now().Add(-2 * unfinishedAge)
	for _, f := range []string{unfinished, foreign} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	young := filepath.Join(dir, ".tmp-456") // being created right now
	if err := os.WriteFile(young, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	core, logs := observer.New(zap.InfoLevel)
	var got []recovered
	recoverLeftovers(context.Background(), dir, ownName, time.Second, zap.New(core), func(_ context.Context, out []byte, at time.Time, n rawName) (delivery, error) {
		got = append(got, recovered{string(out), at.UTC(), n.appPID, n.eventID})
		return delivery{eventID: n.eventID, deliveredTo: "outbox"}, nil
	})
	want := []recovered{{crashOutput, at, 101, fmt.Sprintf("%032x", 1)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recovered mismatch (-want +got):\n%s", diff)
	}
	wantLeft := []string{filepath.Base(ownName), filepath.Base(liveName), filepath.Base(young)}
	slices.Sort(wantLeft)
	if diff := cmp.Diff(wantLeft, left(t, dir)); diff != "" {
		t.Errorf("files left mismatch (-want +got):\n%s", diff)
	}
	for _, f := range []string{dead, empty, unfinished, foreign} {
		if logs.FilterField(zap.String("file", f)).Len() != 1 {
			t.Errorf("no log line names %s: %v", f, logs.All())
		}
	}
}

// TestRecoverLeftoversBound: beyond maxLeftovers waiting crashes, the
// oldest are dropped, and the rest reported oldest first.
func TestRecoverLeftoversBound(t *testing.T) {
	dir := t.TempDir()
	for i := range maxLeftovers + 3 {
		writeRaw(t, dir, 10+i, crashOutput, time.Now())
	}
	var pids []int
	recoverLeftovers(context.Background(), dir, "", time.Second, zap.NewNop(), func(_ context.Context, _ []byte, _ time.Time, n rawName) (delivery, error) {
		pids = append(pids, n.appPID)
		return delivery{}, nil
	})
	var want []int
	for i := 3; i < maxLeftovers+3; i++ {
		want = append(want, 110+i)
	}
	if diff := cmp.Diff(want, pids); diff != "" {
		t.Errorf("reported mismatch (-want +got):\n%s", diff)
	}
	if l := left(t, dir); len(l) != 0 {
		t.Errorf("left %v, want nothing", l)
	}
}

// TestRecoverLeftoversKeepsUndelivered: a crash that cannot be delivered
// stays on disk, and so do the ones after it, for the next monitor.
func TestRecoverLeftoversKeepsUndelivered(t *testing.T) {
	dir := t.TempDir()
	a := writeRaw(t, dir, 1, crashOutput, time.Now())
	b := writeRaw(t, dir, 2, crashOutput, time.Now())
	calls := 0
	recoverLeftovers(context.Background(), dir, "", time.Second, zap.NewNop(), func(context.Context, []byte, time.Time, rawName) (delivery, error) {
		calls++
		return delivery{}, errors.New("disk full")
	})
	if diff := cmp.Diff([]string{filepath.Base(a), filepath.Base(b)}, left(t, dir)); diff != "" || calls != 1 {
		t.Errorf("after a failed delivery: %d attempts, files mismatch (-want +got):\n%s", calls, diff)
	}
}

// TestRecoverLeftoversOnce: two monitors recovering at once report each
// crash once.
func TestRecoverLeftoversOnce(t *testing.T) {
	dir := t.TempDir()
	for i := range 8 {
		writeRaw(t, dir, i, crashOutput, time.Now())
	}
	counts := make(chan string, 64)
	done := make(chan struct{})
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			recoverLeftovers(context.Background(), dir, "", time.Second, zap.NewNop(), func(_ context.Context, _ []byte, _ time.Time, n rawName) (delivery, error) {
				counts <- n.eventID
				time.Sleep(time.Millisecond) // hold the lock while the other lists
				return delivery{}, nil
			})
		}()
	}
	<-done
	<-done
	close(counts)
	seen := map[string]int{}
	for id := range counts {
		seen[id]++
	}
	if len(seen) != 8 {
		t.Errorf("%d crashes reported, want 8", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("crash %s reported %d times", id, n)
		}
	}
}

func TestParseRawName(t *testing.T) {
	n, ok := parseRawName(fmt.Sprintf("%020d-%d-%s%s", 1764475200000000000, 42, "9ec79c33ec9942ab8353589fcb2e04dc", rawSuffix))
	if !ok || n != (rawName{appPID: 42, eventID: "9ec79c33ec9942ab8353589fcb2e04dc", created: time.Unix(0, 1764475200000000000)}) {
		t.Errorf("parseRawName = %+v, %v", n, ok)
	}
	for _, bad := range []string{"x.crash", ".tmp-1", "00000000000000000001-1-zz.crash", "00000000000000000001-1-9ec79c33ec9942ab8353589fcb2e04dc.envelope"} {
		if _, ok := parseRawName(bad); ok {
			t.Errorf("parseRawName(%q) ok", bad)
		}
	}
}

// TestReadRawBound: a raw file larger than maxOutput (the runtime does
// not bound what it prints) is read, and cut, to maxOutput bytes.
func TestReadRawBound(t *testing.T) {
	name := writeRaw(t, t.TempDir(), 1, "", time.Now())
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(maxOutput + 4096); err != nil {
		t.Fatal(err)
	}
	data, _, err := readRaw(f)
	info, _ := os.Stat(name)
	if err != nil || len(data) != maxOutput || info.Size() != maxOutput {
		t.Errorf("readRaw: %d bytes, file now %d, err %v; want %d, %d, nil", len(data), info.Size(), err, maxOutput, maxOutput)
	}
}

// FuzzParseRawName: any name in the crashes directory is either refused
// or is the name its parts format back to.
func FuzzParseRawName(f *testing.F) {
	f.Add("01764475200000000000-42-9ec79c33ec9942ab8353589fcb2e04dc.crash")
	f.Add(".tmp-123")
	f.Add("00000000000000000001--1-9ec79c33ec9942ab8353589fcb2e04dc.crash")
	f.Fuzz(func(t *testing.T, name string) {
		n, ok := parseRawName(name)
		if !ok {
			return
		}
		if again := fmt.Sprintf("%s-%d-%s%s", name[:20], n.appPID, n.eventID, rawSuffix); again != name {
			t.Errorf("parseRawName(%q) = %+v, which formats as %q", name, n, again)
		}
	})
}
