package reporting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// jsonLines is a slog JSON handler's output, safe for concurrent writers.
type jsonLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (j *jsonLines) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.buf.Write(p)
}

func (j *jsonLines) lines(t testing.TB) []map[string]any {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(j.buf.Bytes(), []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func newSlog(rec *reportingtest.Recorder) (*slog.Logger, *jsonLines) {
	out := &jsonLines{}
	next := slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(rec.Reporter().SlogHandler(next)), out
}

// TestSlogHandlerConformance: the wrapper is a slog.Handler as slogtest
// defines one, around a JSON handler, with and without a request's hub
// in the records' context.
func TestSlogHandlerConformance(t *testing.T) {
	for _, bound := range []bool{false, true} {
		t.Run(fmt.Sprint("bound=", bound), func(t *testing.T) {
			rec := reportingtest.New(t)
			var out *jsonLines
			newHandler := func(*testing.T) slog.Handler {
				out = &jsonLines{}
				return rec.Reporter().SlogHandler(slog.NewJSONHandler(out, nil))
			}
			result := func(t *testing.T) map[string]any {
				lines := out.lines(t)
				if len(lines) != 1 {
					t.Fatalf("%d lines, want 1", len(lines))
				}
				return lines[0]
			}
			if bound {
				// slogtest logs with context.Background; a bound default
				// context is what a request would give.
				slogtest.Run(t, func(t *testing.T) slog.Handler {
					return boundHandler{newHandler(t), rec.Reporter().Bind(context.Background())}
				}, result)
				return
			}
			slogtest.Run(t, newHandler, result)
		})
	}
}

// boundHandler hands every record to h with ctx, as if logged in a request.
type boundHandler struct {
	h   slog.Handler
	ctx context.Context
}

func (b boundHandler) Enabled(_ context.Context, l slog.Level) bool  { return b.h.Enabled(b.ctx, l) }
func (b boundHandler) Handle(_ context.Context, r slog.Record) error { return b.h.Handle(b.ctx, r) }
func (b boundHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return boundHandler{b.h.WithAttrs(as), b.ctx}
}
func (b boundHandler) WithGroup(name string) slog.Handler {
	return boundHandler{b.h.WithGroup(name), b.ctx}
}

//go:noinline
func plainFailure() error { return errors.New("plain failure") }

// TestSlogErrorBecomesEventWithItsOwnStack: an error record's event has
// the logged error as its exception, whatever the attribute's key, with
// the error's own stack (errorsx) or where it was logged (a foreign
// error); the other attributes are the context "log"; the line passed on
// carries the event ID.
func TestSlogErrorBecomesEventWithItsOwnStack(t *testing.T) {
	tests := []struct {
		name    string
		attr    func(error) slog.Attr
		err     error
		wantTop string
		wantTyp string
	}{
		{"errorsx.Attr", errorsx.Attr, chargeCard(), "chargeCard", "unavailable"},
		{"slog.Any of errorsx, any key", func(err error) slog.Attr { return slog.Any("cause", err) }, chargeCard(), "chargeCard", "unavailable"},
		{"slog.Any of a foreign error: the logging call", func(err error) slog.Attr { return slog.Any("err", err) }, plainFailure(),
			"TestSlogErrorBecomesEventWithItsOwnStack.func3", "*errors.errorString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := reportingtest.New(t)
			log, out := newSlog(rec)
			log.ErrorContext(context.Background(), "charge failed", tt.attr(tt.err), "order", "o-1", "password", "pw",
				slog.Group("card", "brand", "visa", "attempt", 2))
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			ev := evs[0]
			lines := out.lines(t)
			if len(lines) != 1 || lines[0][reporting.EventIDKey] != string(ev.EventID) {
				t.Fatalf("log lines %v: want one with event_id %s", lines, ev.EventID)
			}
			top := ev.Exception[0].Stacktrace.Frames
			got := map[string]any{
				"top": top[len(top)-1].Function, "type": ev.Exception[len(ev.Exception)-1].Type,
				"value": ev.Exception[len(ev.Exception)-1].Value, "message": ev.Message,
				"log": ev.Contexts["log"],
			}
			want := map[string]any{
				"top": tt.wantTop, "type": tt.wantTyp, "value": tt.err.Error(), "message": "charge failed",
				"log": map[string]any{
					"order": "o-1", "password": errorsx.Redacted,
					"card":   map[string]any{"brand": "visa", "attempt": int64(2)},
					"caller": "reporting/slog_test.go:" + callerLine(t, "charge failed"),
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
			for _, f := range top {
				if f.Module == "log/slog" || strings.HasSuffix(f.Function, "slogHandler.Handle") {
					t.Errorf("stack holds the logger's frame %s.%s", f.Module, f.Function)
				}
			}
		})
	}
}

// callerLine finds the line of this file that logs msg.
func callerLine(t *testing.T, msg string) string {
	t.Helper()
	src, err := os.ReadFile("slog_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, `ErrorContext(context.Background(), "`+msg+`"`) {
			return fmt.Sprint(i + 1)
		}
	}
	t.Fatalf("no line logs %q", msg)
	return ""
}

// TestSlogAfterCaptureReusesEventID: "report, then log" (and "log, then
// report") makes one event, and the line names it, as with zap.
func TestSlogAfterCaptureReusesEventID(t *testing.T) {
	t.Run("capture then log", func(t *testing.T) {
		rec := reportingtest.New(t)
		log, out := newSlog(rec)
		ctx := rec.Reporter().Bind(context.Background())
		err := chargeCard()
		id := reporting.Capture(ctx, err)
		log.ErrorContext(ctx, "request failed", errorsx.Attr(err), "reference_id", id)
		if n := len(rec.Events()); n != 1 {
			t.Errorf("got %d events, want 1", n)
		}
		if got := out.lines(t)[0][reporting.EventIDKey]; got != id {
			t.Errorf("log line event_id = %v, want %s", got, id)
		}
	})
	t.Run("log then capture", func(t *testing.T) {
		rec := reportingtest.New(t)
		log, out := newSlog(rec)
		ctx := rec.Reporter().Bind(context.Background())
		err := chargeCard()
		log.ErrorContext(ctx, "request failed", slog.Any("error", err))
		id := reporting.Capture(ctx, err)
		if n := len(rec.Events()); n != 1 {
			t.Errorf("got %d events, want 1", n)
		}
		if got := out.lines(t)[0][reporting.EventIDKey]; got != id || id == "" {
			t.Errorf("log line event_id = %v, Capture = %q; want the same ID", got, id)
		}
	})
}

// TestSlogBreadcrumbsPerRequest: records of a request at info level and
// above become breadcrumbs of that request's event only, with the
// logger's and the record's attributes (groups nested, secrets redacted).
func TestSlogBreadcrumbsPerRequest(t *testing.T) {
	rec := reportingtest.New(t)
	log, _ := newSlog(rec)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		n := r.URL.Query().Get("n")
		l := log.With("request", n)
		l.DebugContext(ctx, "below the breadcrumb level "+n)
		l.InfoContext(ctx, "step one "+n)
		l.WithGroup("payment").WarnContext(ctx, "step two "+n, "api_key", "k", "amount", 12)
		if n == "b" {
			l.ErrorContext(ctx, "failed "+n)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/?n=a", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/?n=b", nil))
	log.Info("outside any request")
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	type crumb struct {
		Message, Level, Category string
		Data                     map[string]any
	}
	var got []crumb
	for _, b := range evs[0].Breadcrumbs {
		got = append(got, crumb{b.Message, string(b.Level), b.Category, b.Data})
	}
	want := []crumb{
		{"step one b", "info", "log", map[string]any{"request": "b"}},
		{"step two b", "warning", "log", map[string]any{"request": "b", "payment": map[string]any{"api_key": errorsx.Redacted, "amount": int64(12)}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("breadcrumbs mismatch (-want +got):\n%s", diff)
	}
}

// TestSlogLevels: WithLogLevels means the same for slog as for zap, with
// slog's levels mapped onto zap's.
func TestSlogLevels(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithLogLevels(zapcore.WarnLevel, zapcore.WarnLevel))
	log, out := newSlog(rec)
	ctx := rec.Reporter().Bind(context.Background())
	log.InfoContext(ctx, "not a breadcrumb any more")
	log.Log(ctx, slog.LevelWarn-1, "info for zap: not a breadcrumb")
	log.WarnContext(ctx, "an event now")
	evs := rec.Events()
	if len(evs) != 1 || evs[0].Message != "an event now" || len(evs[0].Breadcrumbs) != 0 || string(evs[0].Level) != "warning" {
		t.Fatalf("events %+v: want one warning event without breadcrumbs", evs)
	}
	if lines := out.lines(t); len(lines) != 3 || lines[2][reporting.EventIDKey] != string(evs[0].EventID) {
		t.Errorf("lines %v: want 3, the last with the event ID", lines)
	}
}

// TestSlogNextDisabled: a record the wrapped handler does not want is
// still a breadcrumb or an event, and is not written.
func TestSlogNextDisabled(t *testing.T) {
	rec := reportingtest.New(t)
	out := &jsonLines{}
	log := slog.New(rec.Reporter().SlogHandler(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.Level(100)})))
	ctx := rec.Reporter().Bind(context.Background())
	log.InfoContext(ctx, "a breadcrumb")
	log.ErrorContext(ctx, "an event", "error", chargeCard())
	evs := rec.Events()
	if len(evs) != 1 || len(evs[0].Breadcrumbs) != 1 {
		t.Fatalf("events %+v: want one with a breadcrumb", evs)
	}
	if lines := out.lines(t); len(lines) != 0 {
		t.Errorf("lines %v written by a handler that wants none", lines)
	}
	// A nil next reports only.
	slog.New(rec.Reporter().SlogHandler(nil)).ErrorContext(ctx, "reported only")
	if n := len(rec.Events()); n != 2 {
		t.Errorf("events = %d after a nil next's error, want 2", n)
	}
}

// TestSlogConcurrentRequests: many requests at once, each logging through
// one shared logger; every event carries its own request's breadcrumbs
// and ID only, and every error line its own event's ID (-race).
func TestSlogConcurrentRequests(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithStormLimit(1000, 1000))
	log, out := newSlog(rec)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		n := r.URL.Query().Get("n")
		l := log.With("n", n)
		for i := range 3 {
			l.InfoContext(ctx, "step", "i", i)
		}
		l.ErrorContext(ctx, "failed "+n, "error", fmt.Errorf("request %s failed", n))
	}))
	const requests = 32
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/?n=%d", i), nil))
		})
	}
	wg.Wait()
	evs := rec.Events()
	if len(evs) != requests {
		t.Fatalf("events = %d, want %d", len(evs), requests)
	}
	ids := map[string]string{} // event ID -> n
	for _, ev := range evs {
		n := strings.TrimPrefix(ev.Message, "failed ")
		ids[string(ev.EventID)] = n
		if len(ev.Breadcrumbs) != 3 {
			t.Errorf("event %s: %d breadcrumbs, want 3", n, len(ev.Breadcrumbs))
		}
		for _, b := range ev.Breadcrumbs {
			if b.Data["n"] != n {
				t.Errorf("event %s holds a breadcrumb of request %v", n, b.Data["n"])
			}
		}
	}
	for _, line := range out.lines(t) {
		if line["level"] != "ERROR" {
			continue
		}
		if id, _ := line[reporting.EventIDKey].(string); ids[id] != line["n"] {
			t.Errorf("line of request %v names event %q of request %q", line["n"], id, ids[id])
		}
	}
}

// TestSlogBreadcrumbsKeepTheNewest: a request that logs more lines than a
// scope keeps breadcrumbs has the newest 100 on its event, oldest first,
// in time order with the breadcrumbs added otherwise; lines logged after
// the capture are not on its event.
func TestSlogBreadcrumbsKeepTheNewest(t *testing.T) {
	rec := reportingtest.New(t)
	log, _ := newSlog(rec)
	ctx := rec.Reporter().Bind(context.Background())
	var want []string
	for i := range 150 {
		msg := fmt.Sprintf("line %d", i)
		log.InfoContext(ctx, msg, "i", i)
		want = append(want, msg)
		if i == 120 {
			reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "added by hand"})
			want = append(want, "added by hand")
		}
	}
	want = want[len(want)-100:]
	id := reporting.Capture(ctx, chargeCard())
	log.InfoContext(ctx, "after the capture")
	ev := rec.Event(id)
	if ev == nil {
		t.Fatal("no event")
	}
	var got []string
	for _, b := range ev.Breadcrumbs {
		got = append(got, b.Message)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("breadcrumbs mismatch (-want +got):\n%s", diff)
	}
	if last := ev.Breadcrumbs[len(ev.Breadcrumbs)-1]; last.Data["i"] != int64(149) {
		t.Errorf("last breadcrumb data = %v, want i=149", last.Data)
	}
}

// TestSlogBreadcrumbsInGoroutine: a goroutine started with reporting.Go
// from a request has the request's log lines and its own on its events.
func TestSlogBreadcrumbsInGoroutine(t *testing.T) {
	rec := reportingtest.New(t)
	log, _ := newSlog(rec)
	ctx := rec.Reporter().Bind(context.Background())
	log.InfoContext(ctx, "in the request")
	done := make(chan string)
	reporting.Go(ctx, func(ctx context.Context) {
		log.InfoContext(ctx, "in the goroutine")
		done <- reporting.Capture(ctx, chargeCard())
	})
	ev := rec.Event(<-done)
	if ev == nil {
		t.Fatal("no event")
	}
	var got []string
	for _, b := range ev.Breadcrumbs {
		got = append(got, b.Message)
	}
	if diff := cmp.Diff([]string{"in the request", "in the goroutine"}, got); diff != "" {
		t.Errorf("breadcrumbs mismatch (-want +got):\n%s", diff)
	}
}

// mutable is a value a caller changes after logging it.
type mutable struct{ State string }

// TestSlogBreadcrumbKeepsValueAsLogged: a breadcrumb shows a value as it
// was when logged, not as it is when the event is made.
func TestSlogBreadcrumbKeepsValueAsLogged(t *testing.T) {
	rec := reportingtest.New(t)
	log, _ := newSlog(rec)
	ctx := rec.Reporter().Bind(context.Background())
	v := &mutable{State: "before"}
	log.InfoContext(ctx, "state", "v", v, slog.Group("g", "v", v))
	v.State = "after"
	ev := rec.Event(reporting.Capture(ctx, chargeCard()))
	got := ev.Breadcrumbs[0].Data
	want := map[string]any{"v": "&{before}", "g": map[string]any{"v": "&{before}"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("breadcrumb data mismatch (-want +got):\n%s", diff)
	}
}
