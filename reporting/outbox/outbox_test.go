package outbox_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/outbox"
)

const (
	dest1 = "https://o1.ingest.sentry.io/1"
	dest2 = "https://o1.ingest.sentry.io/2"
)

// envelope returns the envelope of an event with the given ID, padded to
// about size bytes.
func envelope(t testing.TB, id, dest string, size int) []byte {
	t.Helper()
	ev := testEvent(id)
	if size > 0 {
		ev.Message = strings.Repeat("x", size)
	}
	data, err := outbox.EncodeEvent(ev, dest)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func open(t testing.TB, dir string, opts outbox.Options) *outbox.Outbox {
	t.Helper()
	o, err := outbox.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Close() })
	return o
}

func write(t testing.TB, o *outbox.Outbox, id, dest string, size int) string {
	t.Helper()
	name, err := o.Write(id, dest, envelope(t, id, dest, size))
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// claimAll claims, and marks done, everything for dest; it returns the
// event IDs in the order claimed.
func claimAll(t testing.TB, o *outbox.Outbox, dest string) []string {
	t.Helper()
	var ids []string
	for {
		c, err := o.Claim(dest)
		if err != nil {
			t.Fatal(err)
		}
		if c == nil {
			return ids
		}
		env, err := outbox.Parse(c.Envelope)
		if err != nil {
			t.Fatalf("claimed %s does not parse: %v", c.Name, err)
		}
		if env.Destination() != dest {
			t.Errorf("Claim(%q) returned %s of %q", dest, c.Name, env.Destination())
		}
		ids = append(ids, c.EventID)
		if err := o.Done(c); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

func TestWriteClaimDoneOldestFirst(t *testing.T) {
	o := open(t, t.TempDir(), outbox.Options{})
	for _, id := range ids("a", 0, 5) {
		write(t, o, id, dest1, 0)
	}
	if files, _ := o.Pending(dest1); files != 5 {
		t.Fatalf("Pending = %d, want 5", files)
	}
	if diff := cmp.Diff(ids("a", 0, 5), claimAll(t, o, dest1)); diff != "" {
		t.Errorf("claim order mismatch (-want +got):\n%s", diff)
	}
	s := o.Stats()
	if diff := cmp.Diff(outbox.Stats{Written: 5, Delivered: 5}, s); diff != "" {
		t.Errorf("stats mismatch (-want +got):\n%s", diff)
	}
	left, _ := filepath.Glob(filepath.Join(o.Dir(), "*"+outbox.Suffix))
	if len(left) != 0 {
		t.Errorf("files left after Done: %v", left)
	}
}

func TestReleaseKeepsOrder(t *testing.T) {
	o := open(t, t.TempDir(), outbox.Options{})
	first := write(t, o, "a00", dest1, 0)
	write(t, o, "a01", dest1, 0)
	c, err := o.Claim(dest1)
	if err != nil || c == nil || c.Name != first {
		t.Fatalf("Claim = %+v, %v; want %s", c, err, first)
	}
	if files, _ := o.Pending(dest1); files != 1 {
		t.Errorf("Pending while claimed = %d, want 1", files)
	}
	if err := o.Release(c); err != nil {
		t.Fatal(err)
	}
	if err := o.Done(c); !errors.Is(err, outbox.ErrNotClaimed) {
		t.Errorf("Done of a released claim = %v, want ErrNotClaimed", err)
	}
	if diff := cmp.Diff([]string{"a00", "a01"}, claimAll(t, o, dest1)); diff != "" {
		t.Errorf("order after Release mismatch (-want +got):\n%s", diff)
	}
}

func TestReplaceStaysClaimed(t *testing.T) {
	o := open(t, t.TempDir(), outbox.Options{MaxEnvelopeBytes: 8 << 10})
	write(t, o, "a00", dest1, 4000)
	c, err := o.Claim(dest1)
	if err != nil || c == nil {
		t.Fatalf("Claim = %v, %v", c, err)
	}
	if err := o.Replace(c, envelope(t, "a00", dest1, 9000)); !errors.Is(err, outbox.ErrTooLarge) {
		t.Errorf("Replace with too large = %v, want ErrTooLarge", err)
	}
	small := envelope(t, "a00", dest1, 10)
	if err := o.Replace(c, small); err != nil {
		t.Fatal(err)
	}
	if again, err := o.Claim(dest1); again != nil || err != nil {
		t.Fatalf("Claim while replaced claim is held = %v, %v; want none", again, err)
	}
	if err := o.Release(c); err != nil {
		t.Fatal(err)
	}
	c, err = o.Claim(dest1)
	if err != nil || c == nil {
		t.Fatalf("Claim = %v, %v", c, err)
	}
	if diff := cmp.Diff(string(small), string(c.Envelope)); diff != "" {
		t.Errorf("replaced content mismatch (-want +got):\n%s", diff)
	}
	if _, bytes := o.Pending(dest1); bytes != 0 {
		t.Errorf("Pending bytes while claimed = %d, want 0", bytes)
	}
}

func TestRejectIsBounded(t *testing.T) {
	o := open(t, t.TempDir(), outbox.Options{RejectedMaxBytes: 3000})
	for _, id := range ids("a", 0, 5) {
		write(t, o, id, dest1, 600)
	}
	for i := range 5 {
		c, err := o.Claim(dest1)
		if err != nil || c == nil {
			t.Fatalf("Claim = %v, %v", c, err)
		}
		if err := o.Reject(c, fmt.Sprintf("HTTP 400 number %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	des, err := os.ReadDir(filepath.Join(o.Dir(), "rejected"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var total int64
	for _, de := range des {
		info, _ := de.Info()
		total += info.Size()
		names = append(names, de.Name())
	}
	if total > 3000 || len(names) < 2 {
		t.Errorf("rejected/ holds %d bytes in %v, want at most 3000 and some", total, names)
	}
	last := names[len(names)-1]
	reason, err := os.ReadFile(filepath.Join(o.Dir(), "rejected", last))
	if err != nil || string(reason) != "HTTP 400 number 4" || !strings.Contains(last, "a04") {
		t.Errorf("newest rejected %s: %q, %v; want the reason of a04", last, reason, err)
	}
	if s := o.Stats(); s.Rejected != 5 || s.Files != 0 {
		t.Errorf("stats %+v, want 5 rejected and nothing pending", s)
	}
}

func TestClaimNeverCrossesDestinations(t *testing.T) {
	o := open(t, t.TempDir(), outbox.Options{})
	for i := range 30 {
		dest := []string{dest1, dest2, ""}[i%3]
		write(t, o, fmt.Sprintf("e%02d", i), dest, 0)
	}
	got := map[string][]string{}
	for _, dest := range []string{dest1, dest2, ""} {
		got[dest] = claimAll(t, o, dest) // claimAll checks each header's destination
	}
	for i, dest := range []string{dest1, dest2, ""} {
		var want []string
		for j := i; j < 30; j += 3 {
			want = append(want, fmt.Sprintf("e%02d", j))
		}
		if diff := cmp.Diff(want, got[dest]); diff != "" {
			t.Errorf("Claim(%q) mismatch (-want +got):\n%s", dest, diff)
		}
	}
}

func TestClaimSkipsHeaderOfAnotherDestination(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, outbox.Options{})
	// The name says dest1, the header dest2: it must go to neither.
	if _, err := o.Write("x", dest1, envelope(t, "x", dest2, 0)); err != nil {
		t.Fatal(err)
	}
	for _, dest := range []string{dest1, dest2} {
		if c, err := o.Claim(dest); c != nil || err != nil {
			t.Errorf("Claim(%q) = %v, %v; want none", dest, c, err)
		}
	}
	if files, _ := o.Pending(dest1); files != 1 {
		t.Errorf("Pending = %d, want the skipped file kept", files)
	}
	if err := o.Rescan(); err != nil {
		t.Fatal(err)
	}
	if s := o.Stats(); s.Quarantined != 1 || s.Files != 0 {
		t.Errorf("stats after Rescan %+v, want the mismatched file quarantined", s)
	}
}

func TestStrayFilesNeverEvictRealEnvelopes(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, outbox.Options{})
	for _, id := range ids("a", 0, 11) {
		write(t, o, id, dest1, 1000)
	}
	_ = o.Close()

	huge, err := os.Create(filepath.Join(dir, "99999999999999999999-stray-local.envelope"))
	if err != nil {
		t.Fatal(err)
	}
	if err := huge.Truncate(20 << 20); err != nil {
		t.Fatal(err)
	}
	_ = huge.Close()
	strays := map[string]string{
		"00000000000000000001-corrupt-local.envelope": "\x00\x01 not json\n",
		"empty.envelope":     "",
		"notes.txt":          strings.Repeat("n", 2<<20),
		".hidden.envelope":   strings.Repeat("h", 2<<20),
		"crashes/1.envelope": strings.Repeat("c", 2<<20),
		"00000000000000000002-x-local.envelope.tmp": "x",
	}
	if err := os.Mkdir(filepath.Join(dir, "crashes"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range strays {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	o = open(t, dir, outbox.Options{})
	write(t, o, "a11", dest1, 1000) // must not evict anything: 12 KiB of 16 MiB
	s := o.Stats()
	if s.Files != 12 || s.Evicted != 0 || s.Quarantined != 3 {
		t.Errorf("stats %+v, want 12 files, nothing evicted, 3 quarantined", s)
	}
	if diff := cmp.Diff(ids("a", 0, 12), claimAll(t, o, dest1)); diff != "" {
		t.Errorf("real envelopes mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(huge.Name()); !os.IsNotExist(err) {
		t.Errorf("the 20 MiB stray is still pending: %v", err)
	}
	reasons, _ := filepath.Glob(filepath.Join(dir, "rejected", "*.reason"))
	if len(reasons) != 2 {
		t.Errorf("rejected reasons %v, want the corrupt and the empty file's (the huge one does not fit)", reasons)
	}
	for _, name := range []string{"notes.txt", ".hidden.envelope", "crashes/1.envelope"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was touched: %v", name, err)
		}
	}
}

func TestOneLargeEnvelopeCannotEvictTheBacklog(t *testing.T) {
	o := open(t, t.TempDir(), outbox.Options{MaxBytes: 64 << 10, MaxEnvelopeBytes: 8 << 10})
	for _, id := range ids("a", 0, 10) {
		write(t, o, id, dest1, 1000)
	}
	_, err := o.Write("big", dest1, envelope(t, "big", dest1, 9<<10))
	if !errors.Is(err, outbox.ErrTooLarge) {
		t.Fatalf("Write of 9 KiB = %v, want ErrTooLarge", err)
	}
	if s := o.Stats(); s.Files != 10 || s.Evicted != 0 {
		t.Errorf("stats %+v, want the backlog of 10 untouched", s)
	}
}

func TestEvictionKeepsTheNewest(t *testing.T) {
	size := len(envelope(t, "a00", dest1, 500))
	o := open(t, t.TempDir(), outbox.Options{MaxBytes: int64(10 * size)})
	for _, id := range ids("a", 0, 100) {
		write(t, o, id, dest1, 500)
	}
	s := o.Stats()
	if s.Files != 10 || s.Bytes != int64(10*size) || s.Evicted != 90 || s.Written != 100 {
		t.Errorf("stats %+v, want 10 files of %d bytes, 90 evicted", s, size)
	}
	if diff := cmp.Diff(ids("a", 90, 100), claimAll(t, o, dest1)); diff != "" {
		t.Errorf("kept envelopes mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteRecreatesARemovedDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o := open(t, dir, outbox.Options{})
	write(t, o, "a00", dest1, 0)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids("b", 0, 6) {
		write(t, o, id, dest1, 0)
	}
	if diff := cmp.Diff(ids("b", 0, 6), claimAll(t, o, dest1)); diff != "" {
		t.Errorf("envelopes after the directory was removed mismatch (-want +got):\n%s", diff)
	}
	// The recreated directory is a working outbox for another process too.
	write(t, o, "c00", dest1, 0)
	o2 := open(t, dir, outbox.Options{})
	if files, _ := o2.Pending(dest1); files != 1 {
		t.Errorf("another Outbox sees %d pending, want 1", files)
	}
}

func TestOpenErrors(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A file where the directory should be fails for root too (chmod
	// 0500 would not stop root).
	for _, dir := range []string{file, filepath.Join(file, "outbox")} {
		_, err := outbox.Open(dir, outbox.Options{})
		if err == nil || !strings.Contains(err.Error(), "outbox: directory "+dir+" cannot be created") {
			t.Errorf("Open(%s) = %v, want an error naming the directory", dir, err)
		}
	}
	bad := []outbox.Options{
		{MaxBytes: -1},
		{MaxEnvelopeBytes: -1},
		{RejectedMaxBytes: -1},
		{MaxBytes: 1000, MaxEnvelopeBytes: 1001},
	}
	for _, opts := range bad {
		if o, err := outbox.Open(filepath.Join(tmp, "ok"), opts); err == nil {
			_ = o.Close()
			t.Errorf("Open with %+v succeeded", opts)
		}
	}
	if _, err := outbox.Open("", outbox.Options{}); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	// Zero MaxEnvelopeBytes with a small MaxBytes is MaxBytes.
	o := open(t, filepath.Join(tmp, "small"), outbox.Options{MaxBytes: 2000})
	if _, err := o.Write("a", dest1, envelope(t, "a", dest1, 1500)); err != nil {
		t.Errorf("Write within MaxBytes = %v", err)
	}
}

func TestCloseReleasesClaims(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, outbox.Options{})
	write(t, o, "a00", dest1, 0)
	if c, err := o.Claim(dest1); c == nil || err != nil {
		t.Fatalf("Claim = %v, %v", c, err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := o.Write("a01", dest1, envelope(t, "a01", dest1, 0)); !errors.Is(err, outbox.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	o2 := open(t, dir, outbox.Options{})
	if s := o2.Stats(); s.Files != 1 || s.Recovered != 0 {
		t.Errorf("stats after Close %+v, want 1 pending and nothing to recover", s)
	}
	owners, _ := os.ReadDir(filepath.Join(dir, ".owners"))
	claimed, _ := os.ReadDir(filepath.Join(dir, ".claimed"))
	if len(owners) != 1 || len(claimed) != 1 {
		t.Errorf(".owners %d, .claimed %d entries; want only the open Outbox's", len(owners), len(claimed))
	}
}

func TestRescanSeesOtherWriters(t *testing.T) {
	dir := t.TempDir()
	o1 := open(t, dir, outbox.Options{})
	o2 := open(t, dir, outbox.Options{})
	write(t, o1, "a00", dest1, 0)
	if files, _ := o2.Pending(dest1); files != 0 {
		t.Errorf("Pending before Rescan = %d, want 0 (totals are per process)", files)
	}
	if err := o2.Rescan(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a00"}, claimAll(t, o2, dest1)); diff != "" {
		t.Errorf("after Rescan mismatch (-want +got):\n%s", diff)
	}
	// o1 still lists it; claiming finds it gone and goes on.
	if c, err := o1.Claim(dest1); c != nil || err != nil {
		t.Errorf("Claim of a file taken elsewhere = %v, %v; want none", c, err)
	}
	if files, _ := o1.Pending(dest1); files != 0 {
		t.Errorf("Pending after the failed claim = %d, want 0", files)
	}
}

func TestOpenAdoptsEnvelopesOfTheOldOutbox(t *testing.T) {
	dir := t.TempDir()
	old := "{\"event_id\":\"abc\",\"sent_at\":\"2026-11-24T05:00:00Z\"}\n{\"type\":\"event\",\"length\":2}\n{}\n"
	if err := os.WriteFile(filepath.Join(dir, "01763960400123456789-abc.envelope"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	o := open(t, dir, outbox.Options{})
	c, err := o.Claim("")
	if err != nil || c == nil {
		t.Fatalf("Claim(\"\") = %v, %v; want the old envelope as local", c, err)
	}
	if want := "01763960400123456789-abc-local.envelope"; c.Name != want || string(c.Envelope) != old {
		t.Errorf("claimed %s %q, want %s with the old content", c.Name, c.Envelope, want)
	}
}

// Writers on many goroutines and a sender claiming at the same time:
// every envelope is delivered, pending or evicted, exactly once.
func TestConcurrentWriteAndClaim(t *testing.T) {
	size := len(envelope(t, "w0-000", dest1, 100))
	o := open(t, t.TempDir(), outbox.Options{MaxBytes: int64(50 * size)})
	const writers, each = 4, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%03d", w, i)
				if _, err := o.Write(id, dest1, envelope(t, id, dest1, 100)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	delivered := map[string]int{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			c, err := o.Claim(dest1)
			if err != nil {
				t.Error(err)
				return
			}
			if c == nil {
				runtime.Gosched()
				continue
			}
			delivered[c.EventID]++
			if err := o.Done(c); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	<-done
	for _, id := range claimAll(t, o, dest1) {
		delivered[id]++
	}
	s := o.Stats()
	for id, n := range delivered {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	if got := int64(len(delivered)) + s.Evicted; got != writers*each || s.Delivered != int64(len(delivered)) {
		t.Errorf("delivered %d + evicted %d = %d, want %d written (stats %+v)", len(delivered), s.Evicted, got, writers*each, s)
	}
}

func TestClaimAfterTheDirectoryWasRemoved(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, outbox.Options{})
	write(t, o, "a00", dest1, 0)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if c, err := o.Claim(dest1); c != nil || err != nil {
		t.Fatalf("Claim = %v, %v; want none", c, err)
	}
	if locks, _ := filepath.Glob(filepath.Join(dir, ".owners", "*.lock")); len(locks) != 1 {
		t.Errorf("lock files after recreation %v, want this Outbox's", locks)
	}
	write(t, o, "b00", dest1, 0)
	if diff := cmp.Diff([]string{"b00"}, claimAll(t, o, dest1)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// Two processes may together exceed the bound between rescans; Rescan
// brings the directory back within it, keeping the newest.
func TestRescanEnforcesTheBound(t *testing.T) {
	dir := t.TempDir()
	size := len(envelope(t, "a00", dest1, 200))
	opts := outbox.Options{MaxBytes: int64(6 * size)}
	o1, o2 := open(t, dir, opts), open(t, dir, opts)
	for i := range 5 {
		write(t, o1, fmt.Sprintf("a%02d", 2*i), dest1, 200)
		write(t, o2, fmt.Sprintf("a%02d", 2*i+1), dest1, 200)
	}
	if err := o1.Rescan(); err != nil {
		t.Fatal(err)
	}
	if s := o1.Stats(); s.Files != 6 || s.Bytes != int64(6*size) || s.Evicted != 4 {
		t.Errorf("stats after Rescan %+v, want 6 files, 4 evicted", s)
	}
	if diff := cmp.Diff(ids("a", 4, 10), claimAll(t, o1, dest1)); diff != "" {
		t.Errorf("kept mismatch (-want +got):\n%s", diff)
	}
}

// TestClaimSaysWhatWasFound: a claim says whether this Outbox wrote the
// envelope or found it on disk (at Open: an earlier run's; by a Rescan:
// another process's), also after a Release.
func TestClaimSaysWhatWasFound(t *testing.T) {
	dir := t.TempDir()
	earlier := open(t, dir, outbox.Options{})
	write(t, earlier, "a00", dest1, 0)
	if err := earlier.Close(); err != nil {
		t.Fatal(err)
	}
	o := open(t, dir, outbox.Options{})
	write(t, o, "a01", dest1, 0)
	other := open(t, dir, outbox.Options{})
	write(t, other, "a02", dest1, 0)
	if err := o.Rescan(); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for {
		c, err := o.Claim(dest1)
		if err != nil {
			t.Fatal(err)
		}
		if c == nil {
			break
		}
		if _, seen := found[c.EventID]; !seen {
			found[c.EventID] = c.Found
			if err := o.Release(c); err != nil { // claimed again below: the flag stays
				t.Fatal(err)
			}
			continue
		}
		if c.Found != found[c.EventID] {
			t.Errorf("%s: Found = %v after a Release, was %v", c.EventID, c.Found, found[c.EventID])
		}
		if err := o.Done(c); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{"a00": true, "a01": false, "a02": true}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("Found mismatch (-want +got):\n%s", diff)
	}
}
