package flightrec_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"runtime/trace"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/flightrec"
)

// Every kind of trigger yields a snapshot whose parts a support engineer's
// tools can open: the execution trace holds the request's task, found by
// its trace ID; the goroutine dump and profile hold a parked goroutine;
// the heap profile holds a live allocation.
func TestTriggerEachKind(t *testing.T) {
	clk := newClock()
	r := setup(t, flightrec.WithClock(clk.Now))
	if !r.Tracing() {
		t.Fatal("Tracing() = false, want true")
	}
	parkForDump(t)
	allocateForHeap()
	runtime.GC() // the heap profile is as of the last GC
	t.Cleanup(func() { heapKept = nil })

	const route, traceID = "GET /orders/{id}", "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx, end := r.StartRequest(context.Background(), route, traceID)
	trace.WithRegion(ctx, "load order", func() { time.Sleep(time.Millisecond) })
	end()
	_, other := r.StartRequest(context.Background(), "GET /hello", "00f067aa0ba902b7a3ce929d0e0e4736")
	other()

	ts := clk.Now().UTC().Format("20060102T150405Z")
	for _, kind := range []flightrec.Kind{flightrec.KindPanic, flightrec.KindError5xx,
		flightrec.KindSlow, flightrec.KindReadiness, flightrec.KindManual} {
		t.Run(kind.String(), func(t *testing.T) {
			reason := "test " + kind.String()
			s := r.Trigger(kind, reason)
			if s == nil {
				t.Fatal("Trigger returned nil")
			}
			if s.Kind != kind || s.Reason != reason || !s.Time.Equal(clk.Now()) {
				t.Errorf("snapshot = %v %q %v, want %v %q %v", s.Kind, s.Reason, s.Time, kind, reason, clk.Now())
			}
			type file struct{ Name, ContentType string }
			var got []file
			s.EachAttachment(func(name, contentType string, data []byte) {
				got = append(got, file{name, contentType})
				if len(data) == 0 {
					t.Errorf("%s is empty", name)
				}
			})
			want := []file{
				{"snapshot-" + ts + ".txt", "text/plain"},
				{"trace-" + ts + ".out", "application/octet-stream"},
				{"goroutines-" + ts + ".txt", "text/plain"},
				{"goroutines-" + ts + ".pb.gz", "application/octet-stream"},
				{"heap-" + ts + ".pb.gz", "application/octet-stream"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("attachments mismatch (-want +got):\n%s", diff)
			}
			if len(s.Notes) != 0 {
				t.Errorf("Notes = %q, want none", s.Notes)
			}

			tasks := traceTasks(t, attachment(t, s, "trace-", ".out").Data)
			if tasks[traceID] != route {
				t.Errorf("task of trace ID %s = %q, want %q (tasks by trace ID: %v)", traceID, tasks[traceID], route, tasks)
			}

			dump := string(attachment(t, s, "goroutines-", ".txt").Data)
			if !strings.HasPrefix(dump, "goroutine ") || !strings.Contains(dump, "[chan receive]:\n") ||
				!strings.Contains(dump, "flightrec_test.parkedForDump(") {
				t.Errorf("goroutine dump lacks the parked goroutine:\n%.2000s", dump)
			}

			_, funcs := parseProfile(t, attachment(t, s, "goroutines-", ".pb.gz").Data)
			if !funcs["github.com/supportkit/supportkit/flightrec_test.parkedForDump"] {
				t.Errorf("goroutine profile lacks parkedForDump; functions: %v", funcs)
			}
			heap, funcs := parseProfile(t, attachment(t, s, "heap-", ".pb.gz").Data)
			if !funcs["github.com/supportkit/supportkit/flightrec_test.allocateForHeap"] {
				t.Errorf("heap profile lacks allocateForHeap; functions: %v", funcs)
			}
			var sampleTypes []string
			for _, st := range heap.SampleType {
				sampleTypes = append(sampleTypes, st.Type)
			}
			if diff := cmp.Diff([]string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}, sampleTypes); diff != "" {
				t.Errorf("heap sample types mismatch (-want +got):\n%s", diff)
			}

			summary := string(s.Attachments[0].Data)
			for _, line := range []string{"kind:    " + kind.String() + "\n", "reason:  " + reason + "\n"} {
				if !strings.Contains(summary, line) {
					t.Errorf("summary lacks %q:\n%s", line, summary)
				}
			}
			for _, a := range s.Attachments[1:] {
				if want := fmt.Sprintf(`(?m)^  %s +%d bytes  `, regexp.QuoteMeta(a.Filename), len(a.Data)); !regexp.MustCompile(want).MatchString(summary) {
					t.Errorf("summary lacks a line matching %q:\n%s", want, summary)
				}
			}
			if !strings.Contains(summary, "go tool trace trace-"+ts+".out") || !strings.Contains(summary, "go tool pprof heap-"+ts+".pb.gz") {
				t.Errorf("summary does not say how to open the files:\n%s", summary)
			}
		})
	}
	if diff := cmp.Diff(flightrec.Stats{Snapshots: 5}, r.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// A part larger than its bound is left out (the trace, the profiles) or
// cut with a marker line (the goroutine dump), and the summary says so.
func TestSnapshotPartsAreBounded(t *testing.T) {
	parkForDump(t)
	r := setup(t, flightrec.WithLimits(64, 2048, 16, 16))
	s := r.Trigger(flightrec.KindManual, "bounds")
	if s == nil {
		t.Fatal("Trigger returned nil")
	}
	ts := s.Time.UTC().Format("20060102T150405Z")
	if diff := cmp.Diff([]string{"snapshot-" + ts + ".txt", "goroutines-" + ts + ".txt"}, names(s)); diff != "" {
		t.Errorf("attachments mismatch (-want +got):\n%s", diff)
	}
	total := runtime.NumGoroutine()
	wantNotes := []string{
		"no trace-" + ts + ".out: larger than its bound of 64 bytes",
		fmt.Sprintf("goroutines-%s.txt cut at its bound of 2048 bytes (%d goroutines in all)", ts, total),
		"no goroutines-" + ts + ".pb.gz: larger than its bound of 16 bytes",
		"no heap-" + ts + ".pb.gz: larger than its bound of 16 bytes",
	}
	if diff := cmp.Diff(wantNotes, s.Notes); diff != "" {
		t.Errorf("Notes mismatch (-want +got):\n%s", diff)
	}
	dump := s.Attachments[1].Data
	marker := fmt.Sprintf("\n... goroutine dump cut at 2048 bytes (its bound); %d goroutines in all\n", total)
	if len(dump) > 2048 || !bytes.HasSuffix(dump, []byte(marker)) {
		t.Errorf("goroutine dump is %d bytes (bound 2048) and ends %q, want the marker %q", len(dump), dump[max(0, len(dump)-120):], marker)
	}
	summary := string(s.Attachments[0].Data)
	for _, n := range wantNotes {
		if !strings.Contains(summary, "  - "+n+"\n") {
			t.Errorf("summary lacks the note %q:\n%s", n, summary)
		}
	}
}

// When another part of the program holds the one flight recorder Go
// allows, Setup says so and carries on: snapshots have no execution trace,
// say why, and keep the other parts; request tasks cost nothing.
func TestFlightRecorderHeldElsewhere(t *testing.T) {
	other := trace.NewFlightRecorder(trace.FlightRecorderConfig{})
	if err := other.Start(); err != nil {
		t.Fatalf("starting the other flight recorder: %v", err)
	}
	t.Cleanup(other.Stop)

	logs := &bytes.Buffer{}
	r := setup(t, flightrec.WithLogger(newTextLogger(logs)))
	if r.Tracing() {
		t.Error("Tracing() = true, want false")
	}
	if got := logs.String(); !strings.Contains(got, `level=WARN msg="flight recorder: running without an execution trace"`) ||
		!strings.Contains(got, "flight recorder already enabled") {
		t.Errorf("log = %q, want a warning saying why", got)
	}

	ctx := context.Background()
	gotCtx, end := r.StartRequest(ctx, "GET /hello", "4bf92f3577b34da6a3ce929d0e0e4736")
	end()
	if gotCtx != ctx {
		t.Error("StartRequest returned a new context while not tracing")
	}

	s := r.Trigger(flightrec.KindManual, "held elsewhere")
	if s == nil {
		t.Fatal("Trigger returned nil")
	}
	ts := s.Time.UTC().Format("20060102T150405Z")
	want := []string{"snapshot-" + ts + ".txt", "goroutines-" + ts + ".txt", "goroutines-" + ts + ".pb.gz", "heap-" + ts + ".pb.gz"}
	if diff := cmp.Diff(want, names(s)); diff != "" {
		t.Errorf("attachments mismatch (-want +got):\n%s", diff)
	}
	if len(s.Notes) != 1 || !strings.HasPrefix(s.Notes[0], "no trace-"+ts+".out: the execution trace is not recorded: flight recorder already enabled") {
		t.Errorf("Notes = %q, want one saying why there is no trace", s.Notes)
	}
	if !strings.Contains(string(s.Attachments[0].Data), s.Notes[0]) {
		t.Errorf("summary lacks the note:\n%s", s.Attachments[0].Data)
	}
}

// A reporter asks for a snapshot's files through an interface of its own
// that names no type of this package.
var _ interface {
	EachAttachment(add func(filename, contentType string, data []byte))
} = (*flightrec.Snapshot)(nil)

func TestNilSnapshot(t *testing.T) {
	var s *flightrec.Snapshot
	s.EachAttachment(func(string, string, []byte) { t.Error("a nil snapshot has an attachment") })
	if s.Size() != 0 {
		t.Errorf("Size() = %d, want 0", s.Size())
	}
}
