package crash_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/supportkit/supportkit/reporting/crash"
)

// FuzzParse feeds the parser mutations of real crash outputs: it must
// never panic, and what it accepts must make an event.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("panic: x\n\tpanic: y [recovered]\n\tz\n\ngoroutine 1 [running]:\nmain.main()\n\t:\ncreated by \n"))
	f.Add([]byte("goroutine 18446744073709551616 [x]:\n(\n\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := crash.Parse(data)
		if err != nil {
			return
		}
		if r.Kind == "" && len(r.Goroutines) == 0 {
			t.Fatalf("Parse accepted %q with neither a kind nor a goroutine", data)
		}
		ev := r.Event()
		if len(ev.Exception) == 0 {
			t.Fatalf("event of %q has no exception", data)
		}
	})
}
