package reporting_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

//go:noinline
func chargeCard() error { return errorsx.Unavailable.New("card gateway down", "gateway", "acme") }

func newLogger(rec *reportingtest.Recorder) (*zap.Logger, *observer.ObservedLogs) {
	obs, logs := observer.New(zap.DebugLevel)
	return zap.New(obs).WithOptions(zap.WrapCore(rec.Reporter().WrapCore)), logs
}

func TestZapErrorBecomesEventWithItsOwnStack(t *testing.T) {
	tests := []struct {
		name    string
		field   func(error) zap.Field
		err     error
		wantTop string
		wantTyp string
	}{
		{"errorsx.Zap", errorsx.Zap, chargeCard(), "chargeCard", "unavailable"},
		{"zap.Error of errorsx", zap.Error, chargeCard(), "chargeCard", "unavailable"},
		{"zap.Error of a plain error: the logging call", zap.Error, errors.New("plain"), "TestZapErrorBecomesEventWithItsOwnStack.func1", "*errors.errorString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := reportingtest.New(t)
			log, logs := newLogger(rec)
			log.Error("charge failed", tt.field(tt.err), zap.String("order", "o-1"), zap.String("password", "pw"))
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			ev := evs[0]
			lines := logs.All()
			if len(lines) != 1 || lines[0].ContextMap()[reporting.EventIDKey] != string(ev.EventID) {
				t.Fatalf("log lines %v: want one with event_id %s", lines, ev.EventID)
			}
			top := ev.Exception[0].Stacktrace.Frames
			got := map[string]any{
				"top": top[len(top)-1].Function, "type": ev.Exception[len(ev.Exception)-1].Type,
				"message": ev.Message, "log": ev.Contexts["log"]["order"], "password": ev.Contexts["log"]["password"],
			}
			want := map[string]any{"top": tt.wantTop, "type": tt.wantTyp, "message": "charge failed", "log": "o-1", "password": errorsx.Redacted}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
			for _, f := range top {
				if f.Module == "go.uber.org/zap" || f.Module == "go.uber.org/zap/zapcore" {
					t.Errorf("stack holds the logger's frame %s.%s", f.Module, f.Function)
				}
			}
		})
	}
}

// TestZapAfterCaptureReusesEventID: the handler's usual "report, then log"
// makes one event, and the log line names it.
func TestZapAfterCaptureReusesEventID(t *testing.T) {
	rec := reportingtest.New(t)
	log, logs := newLogger(rec)
	err := chargeCard()
	id := reporting.Capture(rec.Reporter().Bind(context.Background()), err)
	log.Error("request failed", errorsx.Zap(err), zap.String("reference_id", id))
	if n := len(rec.Events()); n != 1 {
		t.Errorf("got %d events, want 1", n)
	}
	if got := logs.All()[0].ContextMap()[reporting.EventIDKey]; got != id {
		t.Errorf("log line event_id = %v, want %s", got, id)
	}
}

// TestZapBreadcrumbsPerRequest: log entries of a request become
// breadcrumbs of that request's event only.
func TestZapBreadcrumbsPerRequest(t *testing.T) {
	rec := reportingtest.New(t)
	log, _ := newLogger(rec)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := log.With(reporting.LogContext(r.Context()))
		n := r.URL.Query().Get("n")
		l.Debug("below the breadcrumb level " + n)
		l.Info("step one " + n)
		l.Warn("step two "+n, zap.String("api_key", "k"))
		if n == "b" {
			l.Error("failed " + n)
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
		Message, Level string
		Data           map[string]any
	}
	var got []crumb
	for _, b := range evs[0].Breadcrumbs {
		got = append(got, crumb{b.Message, string(b.Level), b.Data})
	}
	want := []crumb{
		{"step one b", "info", map[string]any{}},
		{"step two b", "warning", map[string]any{"api_key": errorsx.Redacted}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("breadcrumbs mismatch (-want +got):\n%s", diff)
	}
}

// TestErrorsxZapField checks that the core finds the error behind
// errorsx.Zap's field value (which unwraps to it).
func TestErrorsxZapField(t *testing.T) {
	rec := reportingtest.New(t)
	core := rec.Reporter().Core()
	err := chargeCard()
	if werr := core.Write(zapcore.Entry{Level: zap.ErrorLevel, Message: "m"}, []zap.Field{errorsx.Zap(err)}); werr != nil {
		t.Fatal(werr)
	}
	evs := rec.Events()
	if len(evs) != 1 || evs[0].Exception[len(evs[0].Exception)-1].Value != err.Error() {
		t.Errorf("events %v: want one whose exception is the logged error", evs)
	}
}
