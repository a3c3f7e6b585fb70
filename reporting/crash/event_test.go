package crash_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/crash"
)

func TestEventOfNestedPanics(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "forms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := crash.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	ev := r.Event()
	if ev.Level != sentry.LevelFatal {
		t.Errorf("level = %q, want fatal", ev.Level)
	}
	wantExceptions := []sentry.Exception{{
		Type: "panic", Value: "first line\nsecond line",
		Mechanism: &sentry.Mechanism{Type: "chained", Source: "panic", ExceptionID: 1, ParentID: sentry.Pointer(0),
			Data: map[string]any{"recovered": true}},
	}, {
		Type: "panic", Value: "(main.T) 0xc000012345",
		Mechanism: &sentry.Mechanism{Type: crash.MechanismType, Handled: sentry.Pointer(false),
			Description: "the Go runtime printed this crash; the crash monitor read it",
			Data:        map[string]any{"signal": "SIGBUS: bus error code=0x2 addr=0x7f0000000000 pc=0x401000"}},
		// example.com/shop is a dependency of this (test) binary: not
		// in-app; see TestEventInApp for it as the main module.
		Stacktrace: &sentry.Stacktrace{Frames: []sentry.Frame{
			{Module: "example.com/shop/order", Function: "Start", AbsPath: "/src/shop/order/start.go", Lineno: 40},
			{Module: "example.com/shop/order", Function: "handle", AbsPath: "/src/shop/order/handler.go", Lineno: 12, StackStart: true},
			{Module: "example.com/shop/order", Function: "(*Service).Reserve[...]", AbsPath: "/src/shop/order/service.go", Lineno: 88},
		}},
	}}
	if diff := cmp.Diff(wantExceptions, ev.Exception); diff != "" {
		t.Errorf("exceptions mismatch (-want +got):\n%s", diff)
	}
	wantThreads := []sentry.Thread{{
		ID: "21", Name: "goroutine 21 [chan receive, 12 minutes, locked to thread]", Crashed: true, Current: true,
	}, {
		ID: "3", Name: "goroutine 3 [running]",
		Stacktrace: &sentry.Stacktrace{Frames: []sentry.Frame{
			{Module: "net/http", Function: "(*Server).Serve", AbsPath: "/usr/local/go/src/net/http/server.go", Lineno: 3454},
		}},
	}, {
		ID: "9", Name: "goroutine 9 [select]",
		Stacktrace: &sentry.Stacktrace{Frames: []sentry.Frame{
			{Module: "main", Function: "loop", Filename: "main.go", Lineno: 7, InApp: true},
		}},
	}}
	if diff := cmp.Diff(wantThreads, ev.Threads); diff != "" {
		t.Errorf("threads mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"go.crash": "panic"}, ev.Tags); diff != "" {
		t.Errorf("tags mismatch (-want +got):\n%s", diff)
	}
	if ev.Fingerprint != nil {
		t.Errorf("fingerprint %q, want none: the crashed goroutine has no in-app frame", ev.Fingerprint)
	}
}

// TestEventOfRealCrash checks the event of a crash of the crasher: the
// exception's stack ends with the function that panicked, runtime frames
// are not the application's, the crashed goroutine is a thread marked
// crashed and current, and the first in-app frame names the group.
func TestEventOfRealCrash(t *testing.T) {
	stderr, _ := run(t, crasher(t), []string{"GOTRACEBACK=all"}, "nested")
	r, err := crash.Parse([]byte(stderr))
	if err != nil {
		t.Fatal(err)
	}
	ev := r.Event()
	type frame struct {
		Module, Function string
		InApp            bool
	}
	var got []frame
	last := ev.Exception[len(ev.Exception)-1]
	for _, f := range last.Stacktrace.Frames {
		got = append(got, frame{f.Module, f.Function, f.InApp})
	}
	want := []frame{{"main", "main", true}, {"main", "nestedPanic", true}, {"runtime", "panic", false}, {"main", "cleanup", true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stack mismatch (-want +got):\n%s", diff)
	}
	gotTitles := [][2]string{}
	for _, e := range ev.Exception {
		gotTitles = append(gotTitles, [2]string{e.Type, e.Value})
	}
	if diff := cmp.Diff([][2]string{{"panic", "first panic"}, {"panic", "panic in a deferred call"}}, gotTitles); diff != "" {
		t.Errorf("exceptions mismatch (-want +got):\n%s", diff)
	}
	if last.ThreadID != 0 || len(ev.Threads) != 1 || ev.Threads[0].ID != "1" || !ev.Threads[0].Crashed || !ev.Threads[0].Current ||
		ev.Threads[0].Stacktrace != nil {
		t.Errorf("exception thread %d, threads %+v: want no thread_id, goroutine 1 crashed and current, its stack on the exception only",
			last.ThreadID, ev.Threads)
	}
	if diff := cmp.Diff([]string{"panic", "main.cleanup"}, ev.Fingerprint); diff != "" {
		t.Errorf("fingerprint mismatch (-want +got):\n%s", diff)
	}
}

func TestEventWithoutGoroutines(t *testing.T) {
	r, err := crash.Parse([]byte("fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n"))
	if err != nil {
		t.Fatal(err)
	}
	ev := r.Event()
	want := []sentry.Exception{{Type: "fatal error", Value: "no goroutines (main called runtime.Goexit) - deadlock!",
		Mechanism: &sentry.Mechanism{Type: crash.MechanismType, Handled: sentry.Pointer(false),
			Description: "the Go runtime printed this crash; the crash monitor read it", Data: map[string]any{}}}}
	if diff := cmp.Diff(want, ev.Exception); diff != "" {
		t.Errorf("exceptions mismatch (-want +got):\n%s", diff)
	}
}

// TestEventBoundsThreads: a crash listing many goroutines makes an event
// with MaxThreads threads, the crashing one among them, and says how many
// were left out.
func TestEventBoundsThreads(t *testing.T) {
	r := &crash.Report{Kind: crash.KindPanic, Message: "boom"}
	r.Goroutines = append(r.Goroutines, crash.Goroutine{ID: 0, State: "idle"}) // a signal dump's g0
	for id := uint64(1); id <= 500; id++ {
		r.Goroutines = append(r.Goroutines, crash.Goroutine{ID: id, State: "select",
			Frames: []crash.Frame{{Function: "main.loop", File: "/src/main.go", Line: 7}}})
	}
	ev := r.Event()
	type view struct {
		Threads, Omitted int
		FirstCrashed     bool
	}
	got := view{Threads: len(ev.Threads), Omitted: ev.Contexts["go_crash"]["threads_omitted"].(int),
		FirstCrashed: ev.Threads[1].ID == "1" && ev.Threads[1].Crashed}
	if diff := cmp.Diff(view{Threads: crash.MaxThreads, Omitted: 501 - crash.MaxThreads, FirstCrashed: true}, got); diff != "" {
		t.Errorf("threads mismatch (-want +got):\n%s", diff)
	}
}
