package outbox_test

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// TestWriteOnAFullTmpfs fills a real 256 KiB file system: every write
// succeeds by evicting the oldest envelopes, and the newest are kept.
func TestWriteOnAFullTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("mounting a tmpfs is not permitted here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, 0) })

	o := open(t, dir, outbox.Options{}) // 16 MiB: only the disk bounds it
	const n = 100
	for i := range n {
		id := fmt.Sprintf("e%03d", i)
		if _, err := o.Write(id, dest1, envelope(t, id, dest1, 10<<10)); err != nil {
			t.Fatalf("write %d on a full disk: %v", i, err)
		}
	}
	s := o.Stats()
	if s.Evicted == 0 || s.Files+int(s.Evicted) != n || s.Files < 5 {
		t.Errorf("stats %+v, want evictions and the rest kept", s)
	}
	got := claimAll(t, o, dest1)
	if len(got) != s.Files || got[len(got)-1] != fmt.Sprintf("e%03d", n-1) {
		t.Errorf("kept %v, want the %d newest up to e%03d", got, s.Files, n-1)
	}
	for i, id := range got {
		if want := fmt.Sprintf("e%03d", n-len(got)+i); id != want {
			t.Errorf("kept[%d] = %s, want %s (the newest, in order)", i, id, want)
		}
	}
}
