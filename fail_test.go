package supportkit_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
)

// app is the application under test: a handler per kind of failure.
func app(sk *supportkit.Service) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "1" {
			sk.Fail(w, r, errorsx.NotFound.New("order not found", "order_id", r.PathValue("id")))
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		sk.Fail(w, r, errorsx.Unavailable.New("inventory refused the connection",
			"dependency", "inventory", "token", errorsx.Secret("s3cr3t-t0ken")))
	})
	mux.HandleFunc("GET /foreign", func(w http.ResponseWriter, r *http.Request) {
		sk.Fail(w, r, errors.New("plain failure"))
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]int
		m["boom"]++ // a nil-map write
	})
	return mux
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func eventAttrs(s tracetest.SpanStub, name string) []map[string]string {
	var out []map[string]string
	for _, e := range s.Events {
		if e.Name != name {
			continue
		}
		m := map[string]string{}
		for _, a := range e.Attributes {
			m[string(a.Key)] = a.Value.Emit()
		}
		out = append(out, m)
	}
	return out
}

// TestFailLeavesTheWholeIncidentRecord: one call at the handler's edge
// gives the report, the span, the log line and the answer, all naming the
// same reference (issue 13, point 3).
func TestFailLeavesTheWholeIncidentRecord(t *testing.T) {
	r := newRig(t)
	h := r.sk.Handler(app(r.sk))
	a := get(t, h, "GET", "/fail")
	r.flush(t)

	if a.status != 503 || a.contentType != "application/problem+json" {
		t.Fatalf("answer %d %s, want 503 application/problem+json", a.status, a.contentType)
	}
	ref, _ := a.problem["reference_id"].(string)
	if ref == "" {
		t.Fatalf("problem has no reference_id: %v", a.problem)
	}

	// The report.
	events := r.events.Events()
	if len(events) != 1 {
		t.Fatalf("want 1 event, got %d", len(events))
	}
	ev := events[0]
	if string(ev.EventID) != ref {
		t.Errorf("reference_id %s is not the event ID %s", ref, ev.EventID)
	}

	// The span.
	span := spanNamed(t, r.spans.GetSpans(), "GET /fail")
	if span.Status.Code != codes.Error {
		t.Errorf("span status %v, want Error", span.Status.Code)
	}
	if strings.Contains(span.Status.Description, "s3cr3t") || !strings.Contains(span.Status.Description, "inventory refused the connection") {
		t.Errorf("span status description %q: want the message, secrets redacted", span.Status.Description)
	}
	exc := eventAttrs(span, "exception")
	if len(exc) != 1 {
		t.Fatalf("want one exception event on the span, got %d: %v", len(exc), exc)
	}
	if diff := cmp.Diff(map[string]string{"exception.type": "unavailable", "sentry.event_id": ref},
		map[string]string{"exception.type": exc[0]["exception.type"], "sentry.event_id": exc[0]["sentry.event_id"]}); diff != "" {
		t.Errorf("exception event mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(exc[0]["exception.stacktrace"], "TestFailLeavesTheWholeIncidentRecord") &&
		!strings.Contains(exc[0]["exception.stacktrace"], "supportkit_test.app") {
		t.Errorf("exception stack does not show where the error started:\n%s", exc[0]["exception.stacktrace"])
	}
	if got := attr(span, "sentry.event_id"); got != ref {
		t.Errorf("span attribute sentry.event_id %q, want %q", got, ref)
	}
	if got, want := ev.Contexts["trace"]["trace_id"], span.SpanContext.TraceID().String(); got != want {
		t.Errorf("event trace_id %v, span's %v", got, want)
	}

	// The log line: one, at error, with every ID.
	lines := logsWith(r.logs, "request failed")
	if len(lines) != 1 {
		t.Fatalf("want 1 log line, got %d", len(lines))
	}
	line := lines[0]
	if line.Level != zapcore.ErrorLevel {
		t.Errorf("log level %v, want error", line.Level)
	}
	if !strings.HasSuffix(line.Caller.File, "fail_test.go") {
		t.Errorf("log line's caller %s, want the handler that called Fail", line.Caller)
	}
	f := line.ContextMap()
	want := map[string]any{
		"trace_id": span.SpanContext.TraceID().String(), "span_id": span.SpanContext.SpanID().String(),
		"reference_id": ref, "event_id": ref, "route": "GET /fail", "method": "GET",
	}
	got := map[string]any{}
	for k := range want {
		got[k] = f[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log line mismatch (-want +got):\n%s", diff)
	}
}

// TestFailClientError: a 4xx is not reported, is logged at warn, and is
// answered with the trace ID as the reference.
func TestFailClientError(t *testing.T) {
	r := newRig(t)
	h := r.sk.Handler(app(r.sk))
	a := get(t, h, "GET", "/orders/42")
	r.flush(t)
	if a.status != 404 {
		t.Fatalf("status %d, want 404", a.status)
	}
	span := spanNamed(t, r.spans.GetSpans(), "GET /orders/{id}")
	if got, want := a.problem["reference_id"], span.SpanContext.TraceID().String(); got != want {
		t.Errorf("reference_id %v, want the trace ID %v", got, want)
	}
	if n := len(r.events.Events()); n != 0 {
		t.Errorf("a 4xx was reported: %d events", n)
	}
	lines := logsWith(r.logs, "request failed")
	if len(lines) != 1 || lines[0].Level != zapcore.WarnLevel {
		t.Fatalf("want one warn line, got %v", lines)
	}
	if got := lines[0].ContextMap()["reference_id"]; got != a.problem["reference_id"] {
		t.Errorf("log reference_id %v, answer's %v", got, a.problem["reference_id"])
	}
	if span.Status.Code == codes.Error {
		t.Errorf("a 4xx marked the server span as failed")
	}
}

// TestFailStormSuppressed: when storm control holds an event back, the
// answer still has a reference ID, and the log line names it.
func TestFailStormSuppressed(t *testing.T) {
	r := newRig(t, supportkit.WithReporting(reporting.WithStormLimit(0.001, 2)))
	h := r.sk.Handler(app(r.sk))
	var refs []string
	for range 6 {
		a := get(t, h, "GET", "/fail")
		ref, _ := a.problem["reference_id"].(string)
		if ref == "" {
			t.Fatalf("answer without a reference_id: %v", a.problem)
		}
		refs = append(refs, ref)
	}
	r.flush(t)
	lines := logsWith(r.logs, "request failed")
	if len(lines) != len(refs) {
		t.Fatalf("want %d log lines, got %d", len(refs), len(lines))
	}
	for i, l := range lines {
		if got := l.ContextMap()["reference_id"]; got != refs[i] {
			t.Errorf("line %d: reference_id %v, answer's %v", i, got, refs[i])
		}
	}
	st := r.sk.Reporter().Stats()
	if st.Suppressed != 4 {
		t.Errorf("Suppressed = %d, want 4 (each held-back failure counted once)", st.Suppressed)
	}
}

// TestFailForeignError: an error without a code is an internal error.
func TestFailForeignError(t *testing.T) {
	r := newRig(t)
	a := get(t, r.sk.Handler(app(r.sk)), "GET", "/foreign")
	r.flush(t)
	if a.status != 500 {
		t.Errorf("status %d, want 500", a.status)
	}
	if n := len(r.events.Events()); n != 1 {
		t.Errorf("want 1 event, got %d", n)
	}
	if strings.Contains(a.problem["detail"].(string), "plain failure") {
		t.Errorf("a 5xx answer shows the internal message: %v", a.problem)
	}
}
