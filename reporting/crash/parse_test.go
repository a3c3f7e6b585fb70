package crash_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/crash"
)

// normalize makes a report of a real crash comparable: file paths become
// base names ("main.go" for the crasher's, "panic.go" for the runtime's),
// line numbers are checked and dropped, goroutine IDs other than 1 (which
// vary from run to run) become 0, and the signal's addresses are cut.
func normalize(t *testing.T, r *crash.Report) *crash.Report {
	t.Helper()
	frame := func(f *crash.Frame) {
		if f.Line <= 0 {
			t.Errorf("frame %s has no line number (file %q)", f.Function, f.File)
		}
		f.File, f.Line = filepath.Base(f.File), 0
	}
	for i := range r.Goroutines {
		g := &r.Goroutines[i]
		if g.ID != 1 {
			g.ID = 0
		}
		for j := range g.Frames {
			frame(&g.Frames[j])
		}
		if g.CreatedBy != nil {
			frame(g.CreatedBy)
		}
	}
	r.Signal, _, _ = strings.Cut(r.Signal, " code=")
	return r
}

func appFrame(fn string) crash.Frame       { return crash.Frame{Function: fn, File: "main.go"} }
func stdFrame(fn, file string) crash.Frame { return crash.Frame{Function: fn, File: file} }

// TestParseRealCrashes runs the crasher in each way a Go program dies,
// parses what the runtime printed and compares it with what the crasher's
// source says happened.
func TestParseRealCrashes(t *testing.T) {
	createdByMain := func(fn string) *crash.Frame { f := appFrame(fn); return &f }
	tests := []struct {
		mode, traceback string
		want            *crash.Report
	}{
		{"goroutine", "", &crash.Report{
			Kind: crash.KindPanic, Message: "boom in a goroutine",
			Panics: []crash.Panic{{Value: "boom in a goroutine"}},
			Goroutines: []crash.Goroutine{{
				State:     "running",
				Frames:    []crash.Frame{appFrame("main.explode"), appFrame("main.worker")},
				CreatedBy: createdByMain("main.panicInGoroutine"), CreatorID: 1,
			}},
		}},
		{"goroutine", "all", &crash.Report{
			Kind: crash.KindPanic, Message: "boom in a goroutine",
			Panics: []crash.Panic{{Value: "boom in a goroutine"}},
			Goroutines: []crash.Goroutine{{
				State:     "running",
				Frames:    []crash.Frame{appFrame("main.explode"), appFrame("main.worker")},
				CreatedBy: createdByMain("main.panicInGoroutine"), CreatorID: 1,
			}, {
				ID: 1, State: "select (no cases)",
				Frames: []crash.Frame{appFrame("main.panicInGoroutine"), appFrame("main.main")},
			}},
		}},
		{"nested", "", &crash.Report{
			Kind: crash.KindPanic, Message: "panic in a deferred call",
			Panics: []crash.Panic{{Value: "first panic"}, {Value: "panic in a deferred call"}},
			Goroutines: []crash.Goroutine{{
				ID: 1, State: "running",
				Frames: []crash.Frame{appFrame("main.cleanup"), stdFrame("panic", "panic.go"), appFrame("main.nestedPanic"), appFrame("main.main")},
			}},
		}},
		{"recovered", "", &crash.Report{
			Kind: crash.KindPanic, Message: "translated: original panic",
			Panics: []crash.Panic{{Value: "original panic", Recovered: true}, {Value: "translated: original panic"}},
			Goroutines: []crash.Goroutine{{
				ID: 1, State: "running",
				Frames: []crash.Frame{appFrame("main.translate"), stdFrame("panic", "panic.go"), appFrame("main.recoveredPanic"), appFrame("main.main")},
			}},
		}},
		{"repanicked", "", &crash.Report{
			Kind: crash.KindPanic, Message: "repanicked value",
			Panics: []crash.Panic{{Value: "repanicked value", Recovered: true, Repanicked: true}},
			Goroutines: []crash.Goroutine{{
				ID: 1, State: "running",
				Frames: []crash.Frame{appFrame("main.rethrow"), stdFrame("panic", "panic.go"), appFrame("main.repanickedPanic"), appFrame("main.main")},
			}},
		}},
		{"mapwrites", "", &crash.Report{
			Kind: crash.KindFatalError, Message: "concurrent map writes",
			Goroutines: []crash.Goroutine{{
				State:     "running",
				Frames:    []crash.Frame{stdFrame("internal/runtime/maps.fatal", "panic.go"), appFrame("main.writeForever"), appFrame("main.concurrentMapWrites.func1")},
				CreatedBy: createdByMain("main.concurrentMapWrites"), CreatorID: 1,
			}},
		}},
		{"nilpointer", "", &crash.Report{
			Kind: crash.KindPanic, Message: "runtime error: invalid memory address or nil pointer dereference",
			Panics: []crash.Panic{{Value: "runtime error: invalid memory address or nil pointer dereference"}},
			Signal: "SIGSEGV: segmentation violation",
			Goroutines: []crash.Goroutine{{
				ID: 1, State: "running",
				Frames: []crash.Frame{appFrame("main.deposit"), appFrame("main.nilPointer"), appFrame("main.main")},
			}},
		}},
		{"goexit", "", &crash.Report{
			Kind: crash.KindFatalError, Message: "no goroutines (main called runtime.Goexit) - deadlock!",
		}},
		{"error", "", &crash.Report{
			Kind: crash.KindPanic, Message: "reserve order 42: inventory unavailable",
			Panics: []crash.Panic{{Value: "reserve order 42: inventory unavailable"}},
			Goroutines: []crash.Goroutine{{
				ID: 1, State: "running",
				Frames: []crash.Frame{appFrame("main.errorPanic"), appFrame("main.main")},
			}},
		}},
		{"deadlock", "", &crash.Report{
			Kind: crash.KindFatalError, Message: "all goroutines are asleep - deadlock!",
			Goroutines: []crash.Goroutine{{
				ID: 1, State: "chan receive",
				Frames: []crash.Frame{appFrame("main.deadlock"), appFrame("main.main")},
			}, {
				State:     "chan receive",
				Frames:    []crash.Frame{appFrame("main.deadlock.func1")},
				CreatedBy: createdByMain("main.deadlock"), CreatorID: 1,
			}},
		}},
		{"multiline", "", &crash.Report{
			Kind: crash.KindPanic, Message: "line one\nline two\n\tindented three",
			Panics: []crash.Panic{{Value: "line one\nline two\n\tindented three"}},
			Goroutines: []crash.Goroutine{{
				ID: 1, State: "running",
				Frames: []crash.Frame{appFrame("main.multilinePanic"), appFrame("main.main")},
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode+"/"+tt.traceback, func(t *testing.T) {
			env := []string{"GOTRACEBACK=" + tt.traceback}
			if tt.traceback == "" {
				env = []string{"GOTRACEBACK=single"}
			}
			stderr, code := run(t, crasher(t), env, tt.mode)
			if code != 2 {
				t.Fatalf("crasher %s exited with %d, want 2; stderr:\n%s", tt.mode, code, stderr)
			}
			got, err := crash.Parse([]byte(stderr))
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, stderr)
			}
			if c := got.Crashed(); c != nil && c.CreatedBy != nil {
				if !hasGoroutine(got, c.CreatorID) && tt.traceback == "all" {
					t.Errorf("crashing goroutine %d was created by goroutine %d, which is not listed", c.ID, c.CreatorID)
				}
			}
			if diff := cmp.Diff(tt.want, normalize(t, got)); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s\nstderr:\n%s", diff, stderr)
			}
		})
	}
}

func hasGoroutine(r *crash.Report, id uint64) bool {
	for _, g := range r.Goroutines {
		if g.ID == id {
			return true
		}
	}
	return false
}

// TestParseSystemTraceback checks the "goroutine N gp=... m=..." headers,
// the runtime frames and the frame addresses of GOTRACEBACK=system.
func TestParseSystemTraceback(t *testing.T) {
	stderr, code := run(t, crasher(t), []string{"GOTRACEBACK=system"}, "goroutine")
	if code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	r, err := crash.Parse([]byte(stderr))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Crashed()
	if c == nil {
		t.Fatalf("no crashing goroutine in\n%s", stderr)
	}
	type summary struct {
		State     string
		Functions []string
		CreatedBy string
		Creator   bool
	}
	got := summary{State: c.State, CreatedBy: c.CreatedBy.Function, Creator: hasGoroutine(r, c.CreatorID)}
	for _, f := range c.Frames {
		got.Functions = append(got.Functions, f.Function)
	}
	want := summary{State: "running", Functions: []string{"panic", "main.explode", "main.worker", "runtime.goexit"},
		CreatedBy: "main.panicInGoroutine", Creator: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("crashing goroutine mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(stderr, " gp=0x") || len(r.Goroutines) < 3 {
		t.Errorf("expected gp= headers and the runtime's goroutines; got %d goroutines from\n%s", len(r.Goroutines), stderr)
	}
	for _, g := range r.Goroutines {
		if g.State == "" || len(g.Frames) == 0 {
			t.Errorf("goroutine %d: state %q, %d frames", g.ID, g.State, len(g.Frames))
		}
	}
}

// TestParseFixtures covers forms that are hard to provoke on demand:
// files recorded from real runs (a SIGQUIT dump, a stack overflow with its
// "runtime stack:" and elided frames, GOTRACEBACK=crash) and one written
// by hand from the runtime's source (labels, unavailable stacks, ancestor
// tracebacks, generic functions, the old "created by" form).
func TestParseFixtures(t *testing.T) {
	type summary struct {
		Kind, Message, Signal string
		Panics                []crash.Panic
		Notes                 []string
		Crashed               uint64
		CrashedTop            string
		Goroutines            int
	}
	tests := []struct {
		file string
		want summary
	}{
		{"sigquit.txt", summary{Kind: crash.KindSignal, Message: "SIGQUIT: quit", Notes: []string{"PC=0x40b3ee m=0 sigcode=0"},
			Crashed: 1, CrashedTop: "runtime.gopark", Goroutines: 8}},
		{"stack_overflow.txt", summary{Kind: crash.KindFatalError, Message: "stack overflow",
			Notes:   []string{"runtime: goroutine stack exceeds 1048576-byte limit", "runtime: sp=0xf8a370f0398 stack=[0xf8a370f0000, 0xf8a371f0000]"},
			Crashed: 1, CrashedTop: "main.recurse", Goroutines: 7}},
		{"nilpointer_gotraceback_crash.txt", summary{Kind: crash.KindPanic,
			Message: "runtime error: invalid memory address or nil pointer dereference",
			Signal:  "SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x7368c0",
			Panics:  []crash.Panic{{Value: "runtime error: invalid memory address or nil pointer dereference"}},
			Crashed: 1, CrashedTop: "panic", Goroutines: 7}},
		{"forms.txt", summary{Kind: crash.KindPanic, Message: "(main.T) 0xc000012345",
			Signal:  "SIGBUS: bus error code=0x2 addr=0x7f0000000000 pc=0x401000",
			Panics:  []crash.Panic{{Value: "first line\nsecond line", Recovered: true}, {Value: "(main.T) 0xc000012345"}},
			Crashed: 21, CrashedTop: "example.com/shop/order.(*Service).Reserve[...]", Goroutines: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := crash.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			got := summary{Kind: r.Kind, Message: r.Message, Signal: r.Signal, Panics: r.Panics, Notes: r.Notes, Goroutines: len(r.Goroutines)}
			if c := r.Crashed(); c != nil {
				got.Crashed = c.ID
				if len(c.Frames) > 0 {
					got.CrashedTop = c.Frames[0].Function
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// TestParseForms checks every goroutine of the hand-written fixture.
func TestParseForms(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "forms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := crash.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []crash.Goroutine{{
		ID: 21, State: "chan receive", WaitMinutes: 12, LockedToThread: true,
		Frames: []crash.Frame{
			{Function: "example.com/shop/order.(*Service).Reserve[...]", File: "/src/shop/order/service.go", Line: 88},
			{Function: "example.com/shop/order.handle", File: "/src/shop/order/handler.go", Line: 12},
		},
		Elided:    true,
		CreatedBy: &crash.Frame{Function: "example.com/shop/order.Start", File: "/src/shop/order/start.go", Line: 40},
	}, {
		ID: 3, State: "running", Unavailable: true,
		CreatedBy: &crash.Frame{Function: "net/http.(*Server).Serve", File: "/usr/local/go/src/net/http/server.go", Line: 3454},
		CreatorID: 1,
	}, {
		ID: 9, State: "select",
		Frames: []crash.Frame{{Function: "main.loop", File: "main.go", Line: 7}},
	}}
	if diff := cmp.Diff(want, r.Goroutines); diff != "" {
		t.Errorf("goroutines mismatch (-want +got):\n%s", diff)
	}
}

func TestParseNoCrash(t *testing.T) {
	for _, in := range []string{"", "hello\nworld\n", `{"level":"info","msg":"listening"}`} {
		if _, err := crash.Parse([]byte(in)); !errors.Is(err, crash.ErrNoCrash) {
			t.Errorf("Parse(%q) error = %v, want ErrNoCrash", in, err)
		}
	}
}
