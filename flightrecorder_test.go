package supportkit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/pprof/profile"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/internal/tracetasks"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/reporting/reportingtest"
	"github.com/supportkit/supportkit/tracing"
)

// slowApp is an application with a route of each trigger.
func slowApp(sk *supportkit.Service, slow time.Duration) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		sk.Fail(w, r, errorsx.Unavailable.New("inventory refused the connection"))
	})
	mux.HandleFunc("GET /slow/{n}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(slow) // the slow work itself, which the threshold measures
	})
	return mux
}

// snapshotFiles is what a snapshot attaches, by kind of file.
var snapshotFiles = []struct{ prefix, suffix, contentType string }{
	{"snapshot-", ".txt", "text/plain"},
	{"trace-", ".out", "application/octet-stream"},
	{"goroutines-", ".txt", "text/plain"},
	{"goroutines-", ".pb.gz", "application/octet-stream"},
	{"heap-", ".pb.gz", "application/octet-stream"},
}

func file(atts []*sentry.Attachment, prefix, suffix string) *sentry.Attachment {
	for _, a := range atts {
		if strings.HasPrefix(a.Filename, prefix) && strings.HasSuffix(a.Filename, suffix) {
			return a
		}
	}
	return nil
}

// triggerOf names the trigger an event came from.
func triggerOf(ev *sentry.Event) string {
	switch {
	case strings.HasPrefix(ev.Message, "slow request: GET /slow/{n} took "):
		return "slow"
	case ev.Message == "readiness failing: check db failed":
		return "readiness"
	case ev.Message == "snapshot: asked by the test":
		return "manual"
	case len(ev.Exception) > 0 && ev.Exception[len(ev.Exception)-1].Type == "panic":
		return "panic"
	case ev.Tags["code"] == "unavailable":
		return "error5xx"
	}
	return "other: " + ev.Message
}

// TestFlightRecorderTriggers: each trigger kind makes an event whose
// snapshot is in its envelope in the outbox while Sentry is down and
// arrives with it at Sentry; the execution trace holds the slow request's
// task under its trace ID, the profiles parse, the panic's goroutine dump
// shows the goroutine that panicked.
func TestFlightRecorderTriggers(t *testing.T) {
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Set(reportingtest.Down())
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	dir := t.TempDir()
	sk, err := supportkit.Setup(context.Background(),
		supportkit.WithServiceName("fr"),
		supportkit.WithLogger(nil),
		supportkit.WithReporting(reporting.WithDSN(srv.DSN("3")), reporting.WithOutbox(dir, 128<<20),
			reporting.WithRetry(time.Millisecond, 10*time.Millisecond)),
		supportkit.WithTracing(tracing.WithSpanExporter(keptSpans{tracetest.NewInMemoryExporter()})),
		supportkit.WithHealth(health.WithDrainDelay(time.Millisecond),
			health.WithCheck("db", health.CheckFunc(func(context.Context) error { return errors.New("refused") }), health.Every(time.Hour))),
		supportkit.WithFlightRecorder(flightrec.WithSlowThreshold(50*time.Millisecond), flightrec.WithMaxBytes(4<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sk.Shutdown(context.Background()) })
	byKind := map[string]*sentry.Event{}
	atts := map[string][]*sentry.Attachment{}
	// waitFor reads the outbox until it holds an event of each kind.
	waitFor := func(kinds ...string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			if err := sk.Reporter().Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			l, err := outbox.List(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range l.Envelopes {
				env, err := outbox.ReadFound(f)
				if err != nil {
					t.Fatal(err)
				}
				evs, _ := env.Events()
				for _, ev := range evs {
					byKind[triggerOf(ev)] = ev
					atts[triggerOf(ev)] = env.Attachments()
				}
			}
			missing := false
			for _, k := range kinds {
				missing = missing || byKind[k] == nil
			}
			if !missing {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("events in the outbox: %v, want %v", keys(byKind), kinds)
			}
			time.Sleep(20 * time.Millisecond) // the health check runs on its own goroutine
		}
	}
	// The readiness check fails at its first run, on the health
	// goroutine; its snapshot is taken before the requests come, as one
	// snapshot at a time is taken and a trigger meanwhile is dropped.
	waitFor("readiness")

	h := sk.Handler(slowApp(sk, 80*time.Millisecond))
	for _, path := range []string{"/ok", "/panic", "/fail", "/slow/7"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	if sk.Snapshot(context.Background(), "asked by the test") == "" {
		t.Fatal("Snapshot returned no event ID")
	}
	want := []string{"error5xx", "manual", "panic", "readiness", "slow"}
	waitFor(want...)
	if diff := cmp.Diff(want, keys(byKind)); diff != "" {
		t.Fatalf("triggers mismatch (-want +got):\n%s", diff)
	}
	for _, kind := range want {
		for _, f := range snapshotFiles {
			a := file(atts[kind], f.prefix, f.suffix)
			if a == nil || len(a.Payload) == 0 || a.ContentType != f.contentType {
				t.Errorf("%s: no %s*%s of type %s among the attachments in the outbox (%v)", kind, f.prefix, f.suffix, f.contentType, byKind[kind].Contexts["attachments"])
			}
		}
		if s := file(atts[kind], "snapshot-", ".txt"); s != nil && !strings.Contains(string(s.Payload), "kind:    "+kind+"\n") {
			t.Errorf("%s: summary does not name its kind:\n%s", kind, s.Payload)
		}
	}

	slow := byKind["slow"]
	if slow.Level != sentry.LevelWarning {
		t.Errorf("slow request event level %q, want warning", slow.Level)
	}
	traceID, _ := slow.Contexts["trace"]["trace_id"].(string)
	if a := file(atts["slow"], "trace-", ".out"); a != nil {
		if got := traceTasks(t, a.Payload)[traceID]; got != "GET /slow/{n}" {
			t.Errorf("task of trace %s in the slow request's trace: %q, want %q", traceID, got, "GET /slow/{n}")
		}
	}
	if a := file(atts["panic"], "goroutines-", ".txt"); a != nil && !strings.Contains(string(a.Payload), "recoverRequest") {
		t.Errorf("the panic's goroutine dump does not show the goroutine that panicked")
	}
	for _, kind := range want {
		for _, name := range []string{"heap-", "goroutines-"} {
			if a := file(atts[kind], name, ".pb.gz"); a != nil {
				if _, err := profile.Parse(bytes.NewReader(a.Payload)); err != nil {
					t.Errorf("%s: %s does not parse: %v", kind, a.Filename, err)
				}
			}
		}
	}

	// Sentry up: the same files arrive with each event.
	srv.Set(reportingtest.Up())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := srv.WaitEvents(ctx, "3", len(want)); err != nil {
		t.Fatal(err)
	}
	for _, env := range srv.Envelopes() {
		kind := triggerOf(env.Events[0])
		var got, sent []string
		for _, a := range env.Attachments {
			got = append(got, a.Filename+" "+a.ContentType+" "+fmt.Sprint(len(a.Data)))
		}
		for _, a := range atts[kind] {
			sent = append(sent, a.Filename+" "+a.ContentType+" "+fmt.Sprint(len(a.Payload)))
		}
		if diff := cmp.Diff(sent, got); diff != "" {
			t.Errorf("%s: attachments at Sentry mismatch (-outbox +Sentry):\n%s", kind, diff)
		}
	}
}

func keys(m map[string]*sentry.Event) []string { return slices.Sorted(maps.Keys(m)) }

// traceTasks reads an execution trace and returns, per trace ID logged
// under flightrec.TraceIDCategory, the type of the task it was logged in.
func traceTasks(t *testing.T, data []byte) map[string]string {
	t.Helper()
	tasks, err := tracetasks.Read(data, flightrec.TraceIDCategory)
	if err != nil {
		t.Fatalf("reading the execution trace: %v", err)
	}
	return tasks
}

// TestFlightRecorderStorm: a storm of panics and slow requests, all at
// once, takes at most one snapshot per kind (the rate limit), so what the
// storm attaches is bounded by two snapshots whatever its size.
func TestFlightRecorderStorm(t *testing.T) {
	r := newRig(t, supportkit.WithFlightRecorder(flightrec.WithSlowThreshold(time.Millisecond), flightrec.WithMaxBytes(1<<20)))
	h := r.sk.Handler(slowApp(r.sk, 2*time.Millisecond))
	var wg sync.WaitGroup
	for i := range 100 {
		path := "/panic"
		if i%2 == 0 {
			path = "/slow/" + string(rune('a'+i%26))
		}
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil)) })
	}
	wg.Wait()
	st := r.sk.FlightRecorder().Stats()
	r.flush(t)
	if st.Snapshots > 2 || st.Snapshots == 0 {
		t.Errorf("snapshots taken: %d, want 1 or 2 (one per kind at most)", st.Snapshots)
	}
	if st.Snapshots+st.RateLimited+st.Dropped == 0 {
		t.Errorf("no trigger counted: %+v", st)
	}
	with, bytes := 0, 0
	for _, ev := range r.events.Events() {
		if len(ev.Attachments) > 0 {
			with++
		}
		for _, a := range ev.Attachments {
			bytes += len(a.Payload)
		}
	}
	if uint64(with) != st.Snapshots {
		t.Errorf("%d events with attachments, want %d (the snapshots taken)", with, st.Snapshots)
	}
	// Two snapshots of a 1 MiB window: 2 × (2 MiB trace + 16 MiB of
	// dumps and profiles at most).
	if bytes > 2*(2<<20+16<<20) {
		t.Errorf("the storm attached %d bytes", bytes)
	}
}

// TestFlightRecorderOff: without WithFlightRecorder there is no recorder,
// no request task and no snapshot; Snapshot still reports an event.
func TestFlightRecorderOff(t *testing.T) {
	r := newRig(t)
	if r.sk.FlightRecorder() != nil {
		t.Fatal("a flight recorder runs without WithFlightRecorder")
	}
	h := r.sk.Handler(slowApp(r.sk, 0))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/panic", nil))
	id := r.sk.Snapshot(context.Background(), "asked by the test")
	r.flush(t)
	ev := r.events.Event(id)
	if ev == nil || ev.Message != "snapshot: asked by the test" || len(ev.Attachments) != 0 {
		t.Fatalf("Snapshot's event: %+v, want the message and no attachments", ev)
	}
	for _, ev := range r.events.Events() {
		if len(ev.Attachments) != 0 {
			t.Errorf("event %s has attachments with the flight recorder off", ev.EventID)
		}
	}
}

// BenchmarkHandlerFlightRecorder is what the flight recorder adds to a
// fast request through the whole stack: off, on (a task per request, the
// slow check).
func BenchmarkHandlerFlightRecorder(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		var opts []supportkit.Option
		if on {
			name = "on"
			opts = append(opts, supportkit.WithFlightRecorder())
		}
		b.Run(name, func(b *testing.B) {
			sk, err := supportkit.Setup(context.Background(), append(opts,
				supportkit.WithLogger(nil),
				supportkit.WithReporting(reporting.WithDSN(""), reporting.WithOutbox(b.TempDir(), 0)))...)
			if err != nil {
				b.Fatal(err)
			}
			defer sk.Shutdown(context.Background())
			h := sk.Handler(slowApp(sk, 0))
			req := httptest.NewRequest("GET", "/ok", nil)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// TestFlightRecorderBadOption: an out-of-range flight recorder option
// fails Setup with an error naming it, and nothing is left running.
func TestFlightRecorderBadOption(t *testing.T) {
	_, err := supportkit.Setup(context.Background(),
		supportkit.WithLogger(nil),
		supportkit.WithReporting(reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0)),
		supportkit.WithFlightRecorder(flightrec.WithMinAge(-time.Second)))
	if errorsx.CodeOf(err) != errorsx.InvalidArgument || !strings.Contains(err.Error(), "WithMinAge") {
		t.Fatalf("Setup: %v, want an InvalidArgument error naming WithMinAge", err)
	}
}

// TestFlightRecorderKeepsRoute: with the request task's context, the
// route the mux matched still comes back up to the span (and metrics).
func TestFlightRecorderKeepsRoute(t *testing.T) {
	r := newRig(t, supportkit.WithFlightRecorder())
	h := r.sk.Handler(slowApp(r.sk, 0))
	get(t, h, "GET", "/slow/3")
	get(t, h, "GET", "/panic")
	r.flush(t)
	spanNamed(t, r.spans.GetSpans(), "GET /slow/{n}")
	spanNamed(t, r.spans.GetSpans(), "GET /panic")
}

// TestFlightRecorderReadinessFlapping: a readiness check that flaps makes
// one event with a snapshot, not one per turn to fail.
func TestFlightRecorderReadinessFlapping(t *testing.T) {
	var runs atomic.Int64
	flappy := health.CheckFunc(func(context.Context) error {
		if runs.Add(1)%2 == 1 {
			return errors.New("refused")
		}
		return nil
	})
	r := newRig(t, supportkit.WithFlightRecorder(),
		supportkit.WithHealth(health.WithCheck("flappy", flappy, health.Every(5*time.Millisecond))))
	for deadline := time.Now().Add(20 * time.Second); runs.Load() < 12; {
		if time.Now().After(deadline) {
			t.Fatalf("the check ran %d times", runs.Load())
		}
		time.Sleep(5 * time.Millisecond) // the checks run on their own schedule
	}
	r.flush(t)
	n := 0
	for _, ev := range r.events.Events() {
		if ev.Message == "readiness failing: check flappy failed" {
			n++
			if len(ev.Attachments) == 0 {
				t.Errorf("the readiness event has no snapshot")
			}
		}
	}
	if n != 1 {
		t.Errorf("%d readiness events for a check that turned to fail %d times, want 1", n, runs.Load()/2)
	}
}
