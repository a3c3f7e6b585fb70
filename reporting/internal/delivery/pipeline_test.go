package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/reporting/outbox"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bigEvent is an event with everything that makes a real one large.
func bigEvent() *sentry.Event {
	ev := sentry.NewEvent()
	ev.EventID = "0123456789abcdef0123456789abcdef"
	ev.Message = strings.Repeat("m", 100<<10)
	frames := make([]sentry.Frame, 400)
	for i := range frames {
		frames[i] = sentry.Frame{Function: fmt.Sprintf("f%d", i), Module: "main", Lineno: i}
	}
	ev.Exception = []sentry.Exception{{Type: "internal", Value: "boom", Stacktrace: &sentry.Stacktrace{Frames: frames}}}
	for i := range 200 {
		ev.Threads = append(ev.Threads, sentry.Thread{ID: fmt.Sprint(i), Stacktrace: &sentry.Stacktrace{Frames: frames[:50]}})
	}
	for i := range 300 {
		ev.Breadcrumbs = append(ev.Breadcrumbs, &sentry.Breadcrumb{Message: fmt.Sprintf("crumb %d", i)})
	}
	return ev
}

func decodeEvent(t *testing.T, env []byte) map[string]any {
	t.Helper()
	e, err := outbox.Parse(env)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range e.Items {
		if it.Header["type"] == "event" {
			var m map[string]any
			if err := json.Unmarshal(it.Payload, &m); err != nil {
				t.Fatal(err)
			}
			if l, ok := it.Header["length"].(float64); !ok || int(l) != len(it.Payload) {
				t.Errorf("item length %v, payload %d bytes", it.Header["length"], len(it.Payload))
			}
			return m
		}
	}
	t.Fatal("no event item")
	return nil
}

func TestShrink(t *testing.T) {
	env, err := outbox.EncodeEvent(bigEvent(), "https://h/1")
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{len(env) - 1, 256 << 10, 64 << 10, 16 << 10} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			small, ok := Shrink(env, limit)
			if !ok || len(small) > limit {
				t.Fatalf("Shrink to %d = %d bytes, %v", limit, len(small), ok)
			}
			ev := decodeEvent(t, small)
			if ev["event_id"] != "0123456789abcdef0123456789abcdef" {
				t.Errorf("event_id lost: %v", ev["event_id"])
			}
			ex := ev["exception"].([]any)[0].(map[string]any)
			frames := ex["stacktrace"].(map[string]any)["frames"].([]any)
			last := frames[len(frames)-1].(map[string]any)["function"]
			if last != "f399" {
				t.Errorf("innermost frame %v, want f399 kept", last)
			}
			e, _ := outbox.Parse(small)
			if e.Destination() != "https://h/1" {
				t.Errorf("destination %q lost", e.Destination())
			}
		})
	}
	if out, ok := Shrink(env, 100); ok || !bytes.Equal(out, env) {
		t.Errorf("Shrink to 100 bytes = %d bytes, %v; want the envelope unchanged and false", len(out), ok)
	}
	if out, ok := Shrink([]byte("not an envelope"), 3); ok || string(out) != "not an envelope" {
		t.Errorf("Shrink of garbage = %q, %v", out, ok)
	}
}

// TestPutWithoutAnywhereToKeep: no outbox and no DSN: the event is
// counted as dropped, not held in memory nobody reads.
func TestPutWithoutAnywhereToKeep(t *testing.T) {
	p, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if where := p.Put("id", []byte("{}\n")); where != "" {
		t.Errorf("Put went to %q", where)
	}
	_ = p.Shutdown(context.Background())
	if st := p.Stats(); st.Dropped != 1 {
		t.Errorf("stats %+v, want 1 dropped", st)
	}
}

// TestMemoryBufferBounded: without an outbox, the memory buffer keeps the
// newest events within its bound and counts the rest.
func TestMemoryBufferBounded(t *testing.T) {
	obs, logs := observer.New(zap.InfoLevel)
	env := func(i int) []byte {
		b, err := outbox.Encode(map[string]any{"event_id": fmt.Sprintf("%032d", i)})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Nothing listens on port 1: every attempt fails and the backoff is long.
	p, err := New(Config{DSN: "http://public@127.0.0.1:1/1", MemoryBytes: int64(2*len(env(0)) + 1), RetryMin: 1 << 40, RetryMax: 1 << 40, Logger: zap.New(obs)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		p.Put(fmt.Sprint(i), env(i)) // 2 fit
	}
	_ = p.Shutdown(context.Background())
	st := p.Stats()
	if st.Buffered != 5 || st.Dropped != 5 { // 3 overflowed, 2 had nowhere to go at shutdown
		t.Errorf("stats %+v, want 5 buffered and 5 dropped", st)
	}
	if n := logs.FilterMessageSnippet("lost at shutdown").Len(); n != 1 {
		t.Errorf("%d lines about the loss at shutdown, want 1", n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{MemoryBytes: -1}, {SendTimeout: -1}, {RetryMin: 2, RetryMax: 1}, {DSN: "not a dsn with a key@"},
	} {
		p, err := New(cfg)
		if err == nil {
			_ = p.Shutdown(context.Background())
			t.Errorf("New(%+v) succeeded", cfg)
			continue
		}
		if strings.Contains(err.Error(), "key@") {
			t.Errorf("error %q repeats the DSN", err)
		}
	}
}

// TestShrinkStep: each step after a 413 makes the event smaller, until
// none can.
func TestShrinkStep(t *testing.T) {
	env, err := outbox.EncodeEvent(bigEvent(), "https://h/1")
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for {
		small, ok := ShrinkStep(env)
		if !ok {
			break
		}
		if len(small) > len(env)-len(env)/10 {
			t.Fatalf("step %d: %d -> %d bytes, not a tenth smaller", steps, len(env), len(small))
		}
		env = small
		steps++
		if steps > len(cuts) {
			t.Fatalf("more steps than cuts")
		}
	}
	if steps < 3 || len(env) > 4<<10 {
		t.Errorf("%d steps down to %d bytes; want several, ending small", steps, len(env))
	}
	decodeEvent(t, env)
}

// TestMemoryBufferAttachments: an event whose attachments would take more
// than a quarter of the memory buffer is kept without them, saying so,
// and the events before it stay.
func TestMemoryBufferAttachments(t *testing.T) {
	p, err := New(Config{DSN: "http://public@127.0.0.1:1/1", MemoryBytes: 64 << 10, RetryMin: 1 << 40, RetryMax: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ev := sentry.NewEvent()
		ev.EventID = sentry.EventID(fmt.Sprintf("%032d", i))
		env, err := outbox.EncodeEvent(ev, p.Destination())
		if err != nil {
			t.Fatal(err)
		}
		p.Put(string(ev.EventID), env)
		if i == 0 {
			// The first Put wakes the sender, whose one attempt (a refused
			// port) ends in a backoff of hours: wait for it, so that no
			// envelope is out of the buffer while it is read below.
			for p.Stats().Failures == 0 {
				runtime.Gosched()
			}
		}
	}
	ev := sentry.NewEvent()
	ev.EventID = sentry.EventID(fmt.Sprintf("%032d", 3))
	ev.Attachments = []*sentry.Attachment{{Filename: "trace.out", Payload: make([]byte, 40<<10)}}
	env, err := outbox.EncodeEvent(ev, p.Destination())
	if err != nil {
		t.Fatal(err)
	}
	p.Put(string(ev.EventID), env)
	p.mu.Lock()
	mem := append([]memItem(nil), p.mem...)
	p.mu.Unlock()
	_ = p.Shutdown(context.Background())
	if len(mem) != 4 {
		t.Fatalf("%d events in memory, want 4", len(mem))
	}
	last, err := outbox.Parse(mem[3].env)
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Items) != 1 {
		t.Errorf("the last event kept %d items, want the event alone", len(last.Items))
	}
	ctxs := decodeEvent(t, mem[3].env)["contexts"].(map[string]any)
	if diff := cmp.Diff([]any{"trace.out (40960 bytes)"}, ctxs["attachments"].(map[string]any)["left_out"]); diff != "" {
		t.Errorf("left_out mismatch (-want +got):\n%s", diff)
	}
}

// TestDropAttachmentsKeepsEarlierNote: files left out before (by the
// outbox's bound) stay named first, in order, when a 413 leaves out the
// rest.
func TestDropAttachmentsKeepsEarlierNote(t *testing.T) {
	ev := sentry.NewEvent()
	ev.EventID = "0123456789abcdef0123456789abcdef"
	ev.Contexts["attachments"] = sentry.Context{"left_out": []string{"trace.out (9 bytes)", "heap.pb.gz (8 bytes)"}, "reason": "bound"}
	ev.Attachments = []*sentry.Attachment{{Filename: "summary.txt", Payload: []byte("abc")}}
	env, err := outbox.EncodeEvent(ev, "")
	if err != nil {
		t.Fatal(err)
	}
	out, ok := DropAttachments(env, "413")
	if !ok {
		t.Fatal("DropAttachments: false")
	}
	note := decodeEvent(t, out)["contexts"].(map[string]any)["attachments"].(map[string]any)
	want := map[string]any{"left_out": []any{"trace.out (9 bytes)", "heap.pb.gz (8 bytes)", "summary.txt (3 bytes)"}, "reason": "413"}
	if diff := cmp.Diff(want, note); diff != "" {
		t.Errorf("note mismatch (-want +got):\n%s", diff)
	}
}
