package reporting_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// files is an Attachments made of a few named files.
type files []reportingtest.Attachment

func (f files) EachAttachment(add func(filename, contentType string, data []byte)) {
	for _, a := range f {
		add(a.Filename, a.ContentType, a.Data)
	}
}

func snapshotFiles(kind string) files {
	return files{
		{Filename: "snapshot.txt", ContentType: "text/plain", Data: []byte("kind: " + kind + "\nline two\n")},
		{Filename: "trace.out", ContentType: "application/octet-stream", Data: bytes.Repeat([]byte{0, '\n', 0xff}, 1000)},
	}
}

// outboxAttachments reads the outbox's pending envelopes and returns the
// attachments of the event id.
func outboxAttachments(t *testing.T, dir, id string) ([]reportingtest.Attachment, *sentry.Event) {
	t.Helper()
	l, err := outbox.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range l.Envelopes {
		env, err := outbox.ReadFound(f)
		if err != nil {
			t.Fatal(err)
		}
		if env.EventID() != id {
			continue
		}
		evs, err := env.Events()
		if err != nil || len(evs) != 1 {
			t.Fatalf("envelope of %s: %d events, %v", id, len(evs), err)
		}
		var out []reportingtest.Attachment
		for _, a := range env.Attachments() {
			out = append(out, reportingtest.Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Payload})
		}
		return out, evs[0]
	}
	t.Fatalf("no envelope of event %s in the outbox", id)
	return nil, nil
}

// TestAttachmentsKeptAndDelivered: a panic's snapshot (WithSnapshots), a
// Capture's and a message's files (CaptureWith, CaptureMessage) are in
// the event's envelope in the outbox while Sentry is down, and arrive
// with the event, byte for byte, once it is up.
func TestAttachmentsKeptAndDelivered(t *testing.T) {
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Set(reportingtest.Down())
	dir := t.TempDir()
	var asked []string
	rep, err := reporting.Setup(context.Background(),
		reporting.WithDSN(srv.DSN("7")),
		reporting.WithOutbox(dir, 0),
		reporting.WithRetry(time.Millisecond, 5*time.Millisecond),
		reporting.WithSnapshots(func(kind, reason string) reporting.Attachments {
			asked = append(asked, kind+": "+reason)
			return snapshotFiles(kind)
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rep.Shutdown(context.Background()) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) { panic("boom") })
	rec := httptest.NewRecorder()
	rep.Middleware(mux).ServeHTTP(rec, httptest.NewRequest("GET", "/orders/42", nil))
	panicID := lastEventID(t, rep, dir)
	if !strings.Contains(rec.Body.String(), panicID) {
		t.Errorf("the answer %q does not name the event %s", rec.Body.String(), panicID)
	}
	errID := rep.CaptureWith(context.Background(), errorsx.Internal.New("db down"), func() reporting.Attachments { return snapshotFiles("error5xx") })
	msgID := rep.CaptureMessage(context.Background(), sentry.LevelWarning, "slow request: GET /orders/{id} took 2.4s", func() reporting.Attachments { return snapshotFiles("slow") })
	if err := rep.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"panic: panic in GET /orders/{id}"}, asked); diff != "" {
		t.Errorf("snapshots asked for mismatch (-want +got):\n%s", diff)
	}
	for id, kind := range map[string]string{panicID: "panic", errID: "error5xx", msgID: "slow"} {
		got, ev := outboxAttachments(t, dir, id)
		if diff := cmp.Diff([]reportingtest.Attachment(snapshotFiles(kind)), got); diff != "" {
			t.Errorf("%s: attachments in the outbox mismatch (-want +got):\n%s", kind, diff)
		}
		if kind == "slow" && (ev.Level != sentry.LevelWarning || ev.Message != "slow request: GET /orders/{id} took 2.4s") {
			t.Errorf("slow: level %q message %q, want warning and the title", ev.Level, ev.Message)
		}
	}

	srv.Set(reportingtest.Up())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := srv.WaitEvents(ctx, "7", 3); err != nil {
		t.Fatal(err)
	}
	byID := map[string][]reportingtest.Attachment{}
	for _, e := range srv.Envelopes() {
		for _, ev := range e.Events {
			byID[string(ev.EventID)] = e.Attachments
		}
	}
	for id, kind := range map[string]string{panicID: "panic", errID: "error5xx", msgID: "slow"} {
		if diff := cmp.Diff([]reportingtest.Attachment(snapshotFiles(kind)), byID[id]); diff != "" {
			t.Errorf("%s: attachments at Sentry mismatch (-want +got):\n%s", kind, diff)
		}
	}
}

// lastEventID is the ID of the only event in the outbox.
func lastEventID(t *testing.T, rep *reporting.Reporter, dir string) string {
	t.Helper()
	if err := rep.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The sender keeps claiming the envelope and giving it back (Sentry
	// is down): a listing taken while the file moves between the two
	// areas can miss it, so look again.
	var l *outbox.Listing
	var err error
	for range 1000 {
		if l, err = outbox.List(dir); err == nil && len(l.Envelopes) == 1 {
			return l.Envelopes[0].EventID
		}
		runtime.Gosched()
	}
	n := 0
	if l != nil {
		n = len(l.Envelopes)
	}
	t.Fatalf("outbox: %v, %d envelopes, want 1", err, n)
	return ""
}

// TestAttachmentsOverTheBound: files that would take an event past a
// quarter of the outbox are left out, in order, the event is kept and
// says which and why.
func TestAttachmentsOverTheBound(t *testing.T) {
	dir := t.TempDir()
	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 8<<20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rep.Shutdown(context.Background()) })
	big := files{
		{Filename: "summary.txt", ContentType: "text/plain", Data: []byte("summary")},
		{Filename: "trace.out", Data: make([]byte, 3<<20)}, // over 8 MiB / 4
		{Filename: "heap.pb.gz", Data: make([]byte, 1000)},
	}
	id := rep.CaptureWith(context.Background(), errorsx.Internal.New("x"), func() reporting.Attachments { return big })
	if err := rep.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, ev := outboxAttachments(t, dir, id)
	var names []string
	for _, a := range got {
		names = append(names, a.Filename)
	}
	if diff := cmp.Diff([]string{"summary.txt", "heap.pb.gz"}, names); diff != "" {
		t.Errorf("attachments kept mismatch (-want +got):\n%s", diff)
	}
	note := ev.Contexts["attachments"]
	if diff := cmp.Diff([]any{"trace.out (3145728 bytes)"}, note["left_out"]); diff != "" {
		t.Errorf("left_out mismatch (-want +got):\n%s", diff)
	}
	if r, _ := note["reason"].(string); !strings.Contains(r, "2097152 bytes") {
		t.Errorf("reason %q does not name the bound", r)
	}
}

// TestAttachmentsNotTakenForHeldBack: storm control decides before the
// attachments are asked for, so a storm costs one snapshot.
func TestAttachmentsNotTakenForHeldBack(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithStormLimit(0.001, 1))
	var calls atomic.Int64
	attach := func() reporting.Attachments { calls.Add(1); return snapshotFiles("x") }
	for range 50 {
		rec.Reporter().CaptureWith(context.Background(), errorsx.Internal.New("same"), attach)
		rec.Reporter().CaptureMessage(context.Background(), sentry.LevelWarning, "slow request: GET / took 3s", attach)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("attach called %d times, want 2 (one per fingerprint)", got)
	}
	evs := rec.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	for _, ev := range evs {
		if len(ev.Attachments) != 2 {
			t.Errorf("event %q: %d attachments at the transport, want 2", ev.Message, len(ev.Attachments))
		}
	}
}

// TestAttachmentsLeftOutOn413: when Sentry answers 413, the attachments go
// first; the event arrives, saying which were left out.
func TestAttachmentsLeftOutOn413(t *testing.T) {
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Set(reportingtest.TooLarge(64 << 10))
	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(srv.DSN("7")), reporting.WithOutbox(t.TempDir(), 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rep.Shutdown(context.Background()) })
	big := files{{Filename: "trace.out", Data: make([]byte, 200<<10)}}
	rep.CaptureWith(context.Background(), errorsx.Internal.New("x"), func() reporting.Attachments { return big })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	evs, err := srv.WaitEvents(ctx, "7", 1)
	if err != nil {
		t.Fatal(err)
	}
	envs := srv.Envelopes()
	if len(envs[0].Attachments) != 0 {
		t.Errorf("%d attachments arrived, want none", len(envs[0].Attachments))
	}
	want := map[string]any{"left_out": []any{"trace.out (204800 bytes)"}, "reason": "Sentry answered 413 (too large)"}
	if diff := cmp.Diff(want, map[string]any(evs[0].Contexts["attachments"])); diff != "" {
		t.Errorf("attachments context mismatch (-want +got):\n%s", diff)
	}
}
