package reporting_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

func TestOutboxWithoutDSN(t *testing.T) {
	dir := t.TempDir()
	obs, logs := observer.New(zap.InfoLevel)
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0), reporting.WithLogger(zap.New(obs)), reporting.WithRelease("r1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := r.Bind(context.Background())
	var ids []string
	for i := range 3 {
		ids = append(ids, r.Capture(ctx, fmt.Errorf("failure %d", i)))
	}
	shutdown(t, r)
	var names []string
	for _, ev := range outboxEventsOf(t, dir) {
		if ev.Release != "r1" {
			t.Errorf("event %s has release %q, want r1", ev.EventID, ev.Release)
		}
		names = append(names, string(ev.EventID))
	}
	sort.Strings(names)
	sort.Strings(ids)
	if diff := cmp.Diff(ids, names); diff != "" {
		t.Errorf("outbox files mismatch (-want +got):\n%s", diff)
	}
	summary := logs.FilterMessage("reporting outbox").All()
	if len(summary) != 1 || summary[0].ContextMap()["files"] != int64(3) || summary[0].ContextMap()["outbox"] != dir {
		t.Errorf("summary lines = %v, want one with files=3 and the outbox path", summary)
	}
}

func TestSetupErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []reporting.Option
		want string
	}{
		{"malformed DSN", []reporting.Option{reporting.WithDSN("not a dsn"), reporting.WithOutbox(t.TempDir(), 0)}, "malformed Sentry DSN"},
		{"DSN without key", []reporting.Option{reporting.WithDSN("https://example.com/1"), reporting.WithOutbox(t.TempDir(), 0)}, "malformed Sentry DSN"},
		{"negative outbox bound", []reporting.Option{reporting.WithOutbox(t.TempDir(), -1)}, "WithOutbox(-1)"},
		{"negative queue", []reporting.Option{reporting.WithQueueSize(-1)}, "WithQueueSize(-1)"},
		{"negative retry", []reporting.Option{reporting.WithRetry(-time.Second, 0)}, "WithRetry(-1s, 0s)"},
		{"retry max below min", []reporting.Option{reporting.WithRetry(time.Minute, time.Second)}, "max must not be below min"},
		{"negative send timeout", []reporting.Option{reporting.WithSendTimeout(-1)}, "WithSendTimeout(-1ns)"},
		{"negative storm rate", []reporting.Option{reporting.WithStormLimit(-1, 0)}, "WithStormLimit(-1, 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := reporting.Setup(context.Background(), tt.opts...)
			if err == nil {
				shutdown(t, r)
				t.Fatalf("Setup succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "not a dsn") {
				t.Errorf("error %q: want it to contain %q and not the DSN", err, tt.want)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	t.Setenv("SENTRY_RELEASE", "from-env")
	tests := []struct {
		name string
		opts []reporting.Option
		want string
	}{
		{"option", []reporting.Option{reporting.WithRelease("from-option")}, "from-option"},
		{"variable", nil, "from-env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := reporting.Setup(context.Background(), append(tt.opts, reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))...)
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, r)
			if r.Release() != tt.want {
				t.Errorf("release = %q, want %q", r.Release(), tt.want)
			}
		})
	}
}

func TestDeliveryFailuresGoToOutboxAndRetry(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
	}{
		{"5xx", http.StatusServiceUnavailable, nil},
		{"429 with Retry-After", http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}},
		{"429 with rate limits", http.StatusTooManyRequests, http.Header{"X-Sentry-Rate-Limits": {"1:error:key"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := newSentry(t)
			rv.Set(reportingtest.Status(tt.status, tt.header))
			r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(t.TempDir(), 0), reporting.WithRetry(10*time.Millisecond, 50*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, r)
			id := r.Capture(context.Background(), errors.New("x"))
			_ = r.Flush(context.Background())
			if st := r.Stats(); st.Outboxed != 1 || st.Sent != 0 {
				t.Fatalf("after a %d: stats %+v, want 1 outboxed, 0 sent", tt.status, st)
			}
			rv.Set(reportingtest.Up())
			evs, err := waitSentry(rv, "1", 1, 10*time.Second)
			if err != nil || string(evs[0].EventID) != id {
				t.Fatalf("events %v, %v; want the event %s", evs, err, id)
			}
			_ = r.Flush(context.Background())
			if st := r.Stats(); st.Sent != 1 || st.OutboxFiles != 0 {
				t.Errorf("stats %+v, want 1 sent and the outbox empty", st)
			}
		})
	}
}

func TestDeliveryHonoursRateLimit(t *testing.T) {
	rv := newSentry(t)
	rv.Set(reportingtest.Status(http.StatusTooManyRequests, http.Header{"X-Sentry-Rate-Limits": {"3600:error;transaction:key"}}))
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(t.TempDir(), 0), reporting.WithRetry(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	r.Capture(context.Background(), errors.New("first"))
	_ = r.Flush(context.Background())
	r.Capture(context.Background(), errors.New("second"))
	_ = r.Flush(context.Background())
	got := map[string]int64{"requests": int64(rv.Requests()), "outboxed": r.Stats().Outboxed}
	if diff := cmp.Diff(map[string]int64{"requests": 1, "outboxed": 2}, got); diff != "" {
		t.Errorf("under a rate limit (-want +got):\n%s", diff)
	}
}

func TestDeliveryRejected(t *testing.T) {
	rv := newSentry(t)
	rv.Set(reportingtest.Status(http.StatusBadRequest, nil))
	dir := t.TempDir()
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	r.Capture(context.Background(), errors.New("x"))
	_ = r.Flush(context.Background())
	st := r.Stats()
	rejected, _ := filepath.Glob(filepath.Join(dir, "rejected", "*"))
	got := map[string]int{"rejected": int(st.Rejected), "pending": st.OutboxFiles, "requests": rv.Requests(), "kept aside": len(rejected)}
	// A 400 is final: set aside with its reason (an .envelope and a .reason file), never retried.
	if diff := cmp.Diff(map[string]int{"rejected": 1, "pending": 0, "requests": 1, "kept aside": 2}, got); diff != "" {
		t.Errorf("after a 400 (-want +got):\n%s", diff)
	}
}

// TestOutboxSentAtNextStart: the receiver is down while a process reports
// and exits; the next process sends what the first left behind.
func TestOutboxSentAtNextStart(t *testing.T) {
	rv := newSentry(t)
	rv.Set(reportingtest.Down()) // connection refused
	dir := t.TempDir()
	first, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{first.Capture(context.Background(), errors.New("a")), first.Capture(context.Background(), errors.New("b"))}
	shutdown(t, first)
	if st := first.Stats(); st.Outboxed != 2 {
		t.Fatalf("first process: stats %+v, want 2 outboxed", st)
	}
	rv.Set(reportingtest.Up())
	second, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, second)
	evs, err := waitSentry(rv, "1", 2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, string(ev.EventID))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events sent at next start mismatch (-want +got):\n%s", diff)
	}
	_ = second.Flush(context.Background())
	if left, _ := filepath.Glob(filepath.Join(dir, "*.envelope")); len(left) != 0 {
		t.Errorf("outbox still holds %v", left)
	}
}

// TestShutdownWaitsUpToDeadline: a receiver that does not answer cannot
// hold Shutdown past the caller's deadline, and the event it was being
// sent is kept in the outbox, not lost.
func TestShutdownWaitsUpToDeadline(t *testing.T) {
	srv := newSentry(t)
	srv.Set(reportingtest.Hang())
	dir := t.TempDir()
	dsn := srv.DSN("1")
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(dsn), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	id := r.Capture(context.Background(), errors.New("x"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := r.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the deadline's error", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*-"+id+"-*.envelope"))
	if len(files) != 1 {
		t.Errorf("outbox holds %v, want the event %s", files, id)
	}
}

func TestDeliveryTimeoutGoesToOutbox(t *testing.T) {
	srv := newSentry(t)
	srv.Set(reportingtest.Hang())
	dsn := srv.DSN("1")
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(dsn), reporting.WithOutbox(t.TempDir(), 0),
		reporting.WithSendTimeout(100*time.Millisecond), reporting.WithRetry(time.Hour, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	r.Capture(context.Background(), errors.New("x"))
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Outboxed != 1 || st.Sent != 0 {
		t.Errorf("stats %+v, want the timed-out event in the outbox", st)
	}
}

// outboxEventsOf reads the events of the envelopes waiting in an outbox
// directory, oldest first.
func outboxEventsOf(t testing.TB, dir string) []*sentry.Event {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.envelope"))
	sort.Strings(files)
	var out []*sentry.Event
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		env, err := outbox.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		evs, err := env.Events()
		if err != nil || len(evs) != 1 || string(evs[0].EventID) != env.EventID() || !strings.Contains(f, env.EventID()) {
			t.Fatalf("%s: envelope %v holds events %v (%v)", f, env.Header, evs, err)
		}
		out = append(out, evs...)
	}
	return out
}

// keptFiles counts the envelopes an outbox keeps: waiting, or claimed by
// a sender at this moment.
func keptFiles(dir string) int {
	pending, _ := filepath.Glob(filepath.Join(dir, "*.envelope"))
	claimed, _ := filepath.Glob(filepath.Join(dir, ".claimed", "*", "*.envelope"))
	return len(pending) + len(claimed)
}

// hangingSentry accepts requests and never answers until the test ends.
func hangingSentry(t *testing.T) (dsn string, requests func() int) {
	srv := newSentry(t)
	srv.Set(reportingtest.Hang())
	return srv.DSN("1"), srv.Requests
}

// TestDurableBeforeNetwork: Sentry accepts connections and never answers.
// Every event is on disk anyway, at once: a SIGKILL now would lose none.
func TestDurableBeforeNetwork(t *testing.T) {
	dsn, requests := hangingSentry(t)
	dir := t.TempDir()
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(dsn), reporting.WithOutbox(dir, 0), reporting.WithSendTimeout(time.Hour), reporting.WithStormLimit(1000, 1000))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 12 {
		want = append(want, r.Capture(context.Background(), fmt.Errorf("failure %d", i)))
	}
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got = got[:0]
		for _, ev := range outboxEventsOf(t, dir) {
			got = append(got, string(ev.EventID))
		}
		// The one being sent is claimed (out of the pending area) while it hangs.
		claimed, _ := filepath.Glob(filepath.Join(dir, ".claimed", "*", "*.envelope"))
		for _, c := range claimed {
			got = append(got, strings.Split(filepath.Base(c), "-")[1])
		}
		if len(got) == len(want) && requests() > 0 {
			break
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events on disk while Sentry hangs (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = r.Shutdown(ctx)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Shutdown took %v with a 300ms deadline", el)
	}
	if n := len(outboxEventsOf(t, dir)); n != 12 {
		t.Errorf("after Shutdown the outbox holds %d events, want all 12", n)
	}
}

// TestRefusedKeepsEverything: 401, 403 and 404 say the way to the project
// is wrong now (a rotated key, a misrouted ingress), not that the events
// are: nothing is deleted, one error line says so per streak, and an info
// line with the count when delivery recovers.
func TestRefusedKeepsEverything(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			rv := newSentry(t)
			rv.Set(reportingtest.Status(status, nil))
			dir := t.TempDir()
			obs, logs := observer.New(zap.InfoLevel)
			r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(dir, 0),
				reporting.WithRetry(5*time.Millisecond, 20*time.Millisecond), reporting.WithLogger(zap.New(obs)))
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, r)
			var ids []string
			for i := range 5 {
				ids = append(ids, r.Capture(context.Background(), fmt.Errorf("failure %d", i)))
				_ = r.Flush(context.Background())
			}
			for deadline := time.Now().Add(5 * time.Second); rv.Requests() < 10 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			n := keptFiles(dir)
			for deadline := time.Now().Add(2 * time.Second); n != 5 && time.Now().Before(deadline); n = keptFiles(dir) {
				time.Sleep(time.Millisecond) // a file may move between the two globs
			}
			if n != 5 {
				t.Errorf("after %d answers of %d the outbox holds %d events, want 5", rv.Requests(), status, n)
			}
			errLines := logs.FilterLevelExact(zap.ErrorLevel).All()
			if len(errLines) != 1 || errLines[0].ContextMap()["status"] != int64(status) {
				t.Errorf("error lines %v, want one naming status %d", errLines, status)
			}
			rv.Set(reportingtest.Up())
			if _, err := waitSentry(rv, "1", 5, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			recovered := logs.FilterMessage("reporting: delivery to Sentry recovered").All()
			if len(recovered) != 1 || recovered[0].ContextMap()["failures"].(int64) < 2 {
				t.Errorf("recovery lines %v, want one with the count of failures", recovered)
			}
			got := byProject(rv)["1"]
			sort.Strings(got)
			sort.Strings(ids)
			if diff := cmp.Diff(ids, got); diff != "" {
				t.Errorf("delivered after recovery (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTooLargeIsMadeSmaller: Relay answers 413 for an event over its
// limit; the event is cut down (threads, frames, long values) and sent
// again rather than lost.
func TestTooLargeIsMadeSmaller(t *testing.T) {
	rv := newSentry(t)
	rv.Set(reportingtest.TooLarge(64 << 10))
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(t.TempDir(), 0),
		reporting.WithBeforeSend(func(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
			ev.Message = strings.Repeat("x", 300<<10) // a huge log message
			return ev
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	id := r.Capture(context.Background(), errors.New("big"))
	evs, err := waitSentry(rv, "1", 1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(evs[0].EventID) != id || len(evs[0].Message) >= 64<<10 {
		t.Errorf("received %s with a message of %d bytes; want %s, cut down", evs[0].EventID, len(evs[0].Message), id)
	}
	if st := r.Stats(); st.Shrunk == 0 || st.Rejected != 0 {
		t.Errorf("stats %+v, want it shrunk and not rejected", st)
	}
}

// TestEventsFitRelayBeforeWriting: an event over Relay's 1 MiB limit is
// cut down before it is written, so that the outbox never keeps what
// Sentry would refuse and no single event can evict the backlog.
func TestEventsFitRelayBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0),
		reporting.WithBeforeSend(func(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
			for i := range 300 { // GOTRACEBACK=all with 300 goroutines
				ev.Threads = append(ev.Threads, sentry.Thread{ID: fmt.Sprint(i), Stacktrace: &sentry.Stacktrace{Frames: make([]sentry.Frame, 50)}})
			}
			return ev
		}))
	if err != nil {
		t.Fatal(err)
	}
	r.Capture(context.Background(), errors.New("many goroutines"))
	shutdown(t, r)
	files, _ := filepath.Glob(filepath.Join(dir, "*.envelope"))
	if len(files) != 1 {
		t.Fatalf("outbox holds %v, want one envelope", files)
	}
	if fi, _ := os.Stat(files[0]); fi.Size() > 1<<20 {
		t.Errorf("envelope of %d bytes is over Relay's 1 MiB event limit", fi.Size())
	}
}

// TestSentAtIsWhenSent: an event written while Sentry is down carries the
// time of the attempt that delivered it, so that Relay's clock-drift
// correction does not move it.
func TestSentAtIsWhenSent(t *testing.T) {
	rv := newSentry(t)
	rv.Set(reportingtest.Down())
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(t.TempDir(), 0), reporting.WithRetry(10*time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	r.Capture(context.Background(), errors.New("x"))
	_ = r.Flush(context.Background())
	time.Sleep(1100 * time.Millisecond) // the second resolution of what we compare
	up := time.Now()
	rv.Set(reportingtest.Up())
	if _, err := waitSentry(rv, "1", 1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	sentAt, err := time.Parse(time.RFC3339Nano, fmt.Sprint(rv.Envelopes()[0].Header["sent_at"]))
	if err != nil {
		t.Fatalf("envelope header's sent_at: %v", err)
	}
	if sentAt.Before(up.Add(-time.Second)) {
		t.Errorf("sent_at %v is before Sentry came up at %v: it was not set at the attempt", sentAt, up)
	}
}

// TestNeverMisrouted: two services with different projects share one
// outbox directory while Sentry is down; each event reaches only its own
// project.
func TestNeverMisrouted(t *testing.T) {
	rv := newSentry(t)
	rv.Set(reportingtest.Down())
	dir := t.TempDir()
	want := map[string][]string{}
	var reps []*reporting.Reporter
	for _, p := range []string{"1", "2"} {
		r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN(p)), reporting.WithOutbox(dir, 0), reporting.WithRetry(10*time.Millisecond, 20*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
		for i := range 5 {
			want[p] = append(want[p], r.Capture(context.Background(), fmt.Errorf("project %s failure %d", p, i)))
		}
		_ = r.Flush(context.Background())
	}
	rv.Set(reportingtest.Up())
	for _, p := range []string{"1", "2"} {
		if _, err := waitSentry(rv, p, 5, 15*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range reps {
		_ = r.Flush(context.Background())
		shutdown(t, r)
	}
	got := byProject(rv)
	for _, ids := range []map[string][]string{want, got} {
		for _, v := range ids {
			sort.Strings(v)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events by project (-want +got):\n%s", diff)
	}
}

// TestUnusableOutbox: a read-only root file system must not stop the
// service. With a DSN events wait in memory and are delivered; without one
// they are counted as dropped. One warning either way.
func TestUnusableOutbox(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	unusable := filepath.Join(file, "outbox") // a file where a directory must be: fails for root too
	t.Run("with a DSN", func(t *testing.T) {
		rv := newSentry(t)
		obs, logs := observer.New(zap.InfoLevel)
		r, err := reporting.Setup(context.Background(), reporting.WithDSN(rv.DSN("1")), reporting.WithOutbox(unusable, 0), reporting.WithLogger(zap.New(obs)))
		if err != nil {
			t.Fatalf("Setup = %v, want it to run without an outbox", err)
		}
		id := r.Capture(context.Background(), errors.New("x"))
		evs, err := waitSentry(rv, "1", 1, 10*time.Second)
		if err != nil || string(evs[0].EventID) != id {
			t.Fatalf("events %v, %v; want %s delivered from memory", evs, err, id)
		}
		shutdown(t, r)
		if n := logs.FilterLevelExact(zap.WarnLevel).Len(); n != 1 {
			t.Errorf("%d warnings, want 1: %v", n, logs.All())
		}
		if st := r.Stats(); st.Buffered != 1 || st.Sent != 1 {
			t.Errorf("stats %+v, want 1 buffered and sent", st)
		}
	})
	t.Run("without a DSN", func(t *testing.T) {
		obs, logs := observer.New(zap.InfoLevel)
		r, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(unusable, 0), reporting.WithLogger(zap.New(obs)))
		if err != nil {
			t.Fatalf("Setup = %v, want it to run without an outbox", err)
		}
		r.Capture(context.Background(), errors.New("x"))
		shutdown(t, r)
		if n := logs.FilterLevelExact(zap.WarnLevel).Len(); n != 1 {
			t.Errorf("%d warnings, want 1: %v", n, logs.All())
		}
		if st := r.Stats(); st.Dropped != 1 {
			t.Errorf("stats %+v, want the event counted as dropped", st)
		}
	})
}

// TestOptionZeroAndNil: a nil logger means no logs, and zero values mean
// the documented defaults, never "nothing" or "forever".
func TestOptionZeroAndNil(t *testing.T) {
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0), reporting.WithLogger(nil),
		reporting.WithQueueSize(0), reporting.WithRetry(0, 0), reporting.WithStormLimit(0, 0), reporting.WithSendTimeout(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r.Capture(context.Background(), fmt.Errorf("failure %d", i))
	}
	shutdown(t, r)
	if st := r.Stats(); st.Outboxed != 3 || st.Dropped != 0 || st.Suppressed != 0 {
		t.Errorf("stats %+v: want the defaults (a queue, a burst of 10) to keep all 3", st)
	}
}

// TestPanicKeptBeforeTheAnswer: the event of a handler panic is in the
// outbox by the time the client has its 500 and the reference, so a kill
// right after the answer loses nothing the client was told about.
func TestPanicKeptBeforeTheAnswer(t *testing.T) {
	dir := t.TempDir()
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	h := r.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
	var problem struct {
		Reference string `json:"reference_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &problem); err != nil || problem.Reference == "" {
		t.Fatalf("answer %d %s: no reference (%v)", w.Code, w.Body, err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*-"+problem.Reference+"-*.envelope")); len(files) != 1 {
		t.Errorf("when the answer is out, the outbox holds %v, want the event %s", files, problem.Reference)
	}
}
