package reporting_test

import (
	"context"
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

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/reporting"
)

func TestOutboxWriteEvictReplay(t *testing.T) {
	dir := t.TempDir()
	env := func(i int) []byte { return []byte(fmt.Sprintf("{\"event_id\":\"%032d\"}\n", i)) }
	size := int64(len(env(0)))
	ob, err := reporting.OpenOutbox(dir, 3*size)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := ob.Write(fmt.Sprintf("%032d", i), env(i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // distinct timestamps in names
	}
	var sent []string
	fail := errors.New("receiver down")
	n, err := ob.Replay(func(name string, data []byte) error {
		if len(sent) == 2 {
			return fail
		}
		sent = append(sent, string(data))
		return nil
	})
	if n != 2 || !errors.Is(err, fail) {
		t.Errorf("replay = %d, %v; want 2, %v", n, err, fail)
	}
	left, _ := ob.List()
	want := []string{string(env(2)), string(env(3)), "left:1", "evicted:2"}
	got := append(sent, fmt.Sprintf("left:%d", len(left)), fmt.Sprintf("evicted:%d", ob.Stats().Evicted))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outbox mismatch (-want +got):\n%s", diff)
	}
	if _, err := ob.Write("big", make([]byte, 4*size)); err == nil {
		t.Errorf("an envelope larger than the bound was accepted")
	}
}

func TestOutboxWithoutDSN(t *testing.T) {
	dir := t.TempDir()
	obs, logs := observer.New(zap.InfoLevel)
	r, err := reporting.Setup(reporting.WithDSN(""), reporting.WithOutbox(dir, 0), reporting.WithLogger(zap.New(obs)), reporting.WithRelease("r1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := r.Bind(context.Background())
	var ids []string
	for i := range 3 {
		ids = append(ids, r.Capture(ctx, fmt.Errorf("failure %d", i)))
	}
	shutdown(t, r)
	ob, _ := reporting.OpenOutbox(dir, 1<<20)
	entries, _ := ob.List()
	var names []string
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name))
		if err != nil {
			t.Fatal(err)
		}
		env, err := reporting.ParseEnvelope(data)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		evs, _ := env.Events()
		if len(evs) != 1 || string(evs[0].EventID) != env.EventID() || evs[0].Release != "r1" {
			t.Errorf("%s: envelope %v holds events %v", e.Name, env.Header, evs)
		}
		if !strings.Contains(e.Name, env.EventID()) {
			t.Errorf("file %s does not name its event %s", e.Name, env.EventID())
		}
		names = append(names, env.EventID())
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
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []reporting.Option
		want string
	}{
		{"malformed DSN", []reporting.Option{reporting.WithDSN("not a dsn"), reporting.WithOutbox(t.TempDir(), 0)}, "malformed Sentry DSN"},
		{"DSN without key", []reporting.Option{reporting.WithDSN("https://example.com/1"), reporting.WithOutbox(t.TempDir(), 0)}, "malformed Sentry DSN"},
		{"outbox under a file", []reporting.Option{reporting.WithDSN(""), reporting.WithOutbox(filepath.Join(file, "outbox"), 0)}, "outbox directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := reporting.Setup(tt.opts...)
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
			r, err := reporting.Setup(append(tt.opts, reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))...)
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, r)
			if r.Release() != tt.want {
				t.Errorf("release = %q, want %q", r.Release(), tt.want)
			}
		})
	}
	t.Run("fallback is never empty", func(t *testing.T) {
		t.Setenv("SENTRY_RELEASE", "")
		r, err := reporting.Setup(reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))
		if err != nil {
			t.Fatal(err)
		}
		defer shutdown(t, r)
		if r.Release() == "" {
			t.Errorf("release is empty: sentry-go would run git")
		}
	})
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
			rv := newReceiver(t)
			rv.start()
			rv.answer(tt.status, tt.header)
			r, err := reporting.Setup(reporting.WithDSN(rv.DSN()), reporting.WithOutbox(t.TempDir(), 0), reporting.WithRetry(10*time.Millisecond, 50*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, r)
			id := r.Capture(context.Background(), errors.New("x"))
			_ = r.Flush(context.Background())
			if st := r.Stats(); st.Outboxed != 1 || st.Sent != 0 {
				t.Fatalf("after a %d: stats %+v, want 1 outboxed, 0 sent", tt.status, st)
			}
			rv.answer(http.StatusOK, nil)
			evs, err := rv.waitEvents(1, 10*time.Second)
			if err != nil || string(evs[0].EventID) != id {
				t.Fatalf("events %v, %v; want the event %s", evs, err, id)
			}
			_ = r.Flush(context.Background())
			if st := r.Stats(); st.Replayed != 1 || st.Sent != 1 {
				t.Errorf("stats %+v, want 1 replayed and sent", st)
			}
		})
	}
}

func TestDeliveryHonoursRateLimit(t *testing.T) {
	rv := newReceiver(t)
	rv.start()
	rv.answer(http.StatusTooManyRequests, http.Header{"X-Sentry-Rate-Limits": {"3600:error;transaction:key"}})
	r, err := reporting.Setup(reporting.WithDSN(rv.DSN()), reporting.WithOutbox(t.TempDir(), 0), reporting.WithRetry(time.Millisecond, time.Millisecond))
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
	rv := newReceiver(t)
	rv.start()
	rv.answer(http.StatusBadRequest, nil)
	dir := t.TempDir()
	r, err := reporting.Setup(reporting.WithDSN(rv.DSN()), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	r.Capture(context.Background(), errors.New("x"))
	_ = r.Flush(context.Background())
	if st := r.Stats(); st.Failed != 1 || st.Outboxed != 0 {
		t.Errorf("stats %+v, want 1 failed and none outboxed (a 400 is not retried)", st)
	}
}

// TestOutboxSentAtNextStart: the receiver is down while a process reports
// and exits; the next process sends what the first left behind.
func TestOutboxSentAtNextStart(t *testing.T) {
	rv := newReceiver(t) // not started: connection refused
	dir := t.TempDir()
	first, err := reporting.Setup(reporting.WithDSN(rv.DSN()), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{first.Capture(context.Background(), errors.New("a")), first.Capture(context.Background(), errors.New("b"))}
	shutdown(t, first)
	if st := first.Stats(); st.Outboxed != 2 {
		t.Fatalf("first process: stats %+v, want 2 outboxed", st)
	}
	rv.start()
	second, err := reporting.Setup(reporting.WithDSN(rv.DSN()), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, second)
	evs, err := rv.waitEvents(2, 10*time.Second)
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
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("outbox still holds %d files", len(left))
	}
}

// TestShutdownWaitsUpToDeadline: a receiver that does not answer cannot
// hold Shutdown past the caller's deadline, and the event it was being
// sent is kept in the outbox, not lost.
func TestShutdownWaitsUpToDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	dir := t.TempDir()
	dsn := strings.Replace(srv.URL, "http://", "http://public@", 1) + "/1"
	r, err := reporting.Setup(reporting.WithDSN(dsn), reporting.WithOutbox(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	id := r.Capture(context.Background(), errors.New("x"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := r.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the deadline's error", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*-"+id+reporting.OutboxSuffix))
	if len(files) != 1 {
		t.Errorf("outbox holds %v, want the event %s", files, id)
	}
}

func TestDeliveryTimeoutGoesToOutbox(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	dsn := strings.Replace(srv.URL, "http://", "http://public@", 1) + "/1"
	r, err := reporting.Setup(reporting.WithDSN(dsn), reporting.WithOutbox(t.TempDir(), 0),
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
