package supportkit_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/codes"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/tracing"
)

// TestSpansNamedByRoute: through Service.Handler, with no option, spans
// are named by the route, panicking requests too, and a panic's span has
// one exception event with one type and a stack (issue 13, points 2 and 4).
func TestSpansNamedByRoute(t *testing.T) {
	r := newRig(t)
	h := r.sk.Handler(app(r.sk))
	get(t, h, "GET", "/orders/1")
	a := get(t, h, "GET", "/panic")
	r.flush(t)
	if a.status != 500 {
		t.Fatalf("panic answered %d, want 500", a.status)
	}

	ok := spanNamed(t, r.spans.GetSpans(), "GET /orders/{id}")
	if got := attr(ok, "http.route"); got != "/orders/{id}" {
		t.Errorf("http.route = %q", got)
	}
	p := spanNamed(t, r.spans.GetSpans(), "GET /panic")
	if got := attr(p, "http.route"); got != "/panic" {
		t.Errorf("panicking request's http.route = %q, want /panic", got)
	}
	if p.Status.Code != codes.Error {
		t.Errorf("panic span status %v", p.Status.Code)
	}
	exc := eventAttrs(p, "exception")
	if len(exc) != 1 {
		t.Fatalf("want one exception event, got %d: %v", len(exc), exc)
	}
	if exc[0]["exception.type"] == "" || exc[0]["exception.stacktrace"] == "" {
		t.Errorf("exception event lacks a type or a stack: %v", exc[0])
	}
	events := r.events.Events()
	if len(events) != 1 {
		t.Fatalf("want 1 event, got %d", len(events))
	}
	if got, want := events[0].Contexts["trace"]["trace_id"], p.SpanContext.TraceID().String(); got != want {
		t.Errorf("panic event trace_id %v, span's %v", got, want)
	}
	if got := attr(p, "sentry.event_id"); got != string(events[0].EventID) {
		t.Errorf("span's sentry.event_id %q, event %q", got, events[0].EventID)
	}
}

// TestMiddlewareOrders wires the two middlewares by hand, in each order,
// and checks what each order gives: the documented order (tracing
// outside) names every span by route and ties every event to its trace;
// the other order names spans too, ties handled errors to their trace,
// but a panic is reported outside the span, so its event has a trace of
// its own: the reason the order is documented (and fixed in
// Service.Handler).
func TestMiddlewareOrders(t *testing.T) {
	for _, tc := range []struct {
		name            string
		wire            func(rep *reporting.Reporter, mux http.Handler) http.Handler
		panicSharesSpan bool
	}{
		{"tracing outside reporting (documented)", func(rep *reporting.Reporter, mux http.Handler) http.Handler {
			return tracing.Middleware()(rep.Middleware(mux))
		}, true},
		{"reporting outside tracing", func(rep *reporting.Reporter, mux http.Handler) http.Handler {
			return rep.Middleware(tracing.Middleware()(mux))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			h := tc.wire(r.sk.Reporter(), app(r.sk))
			get(t, h, "GET", "/fail")
			get(t, h, "GET", "/panic")
			r.flush(t)
			spans := r.spans.GetSpans()
			failSpan := spanNamed(t, spans, "GET /fail")
			panicSpan := spanNamed(t, spans, "GET /panic")
			for _, s := range []struct {
				route string
				got   string
			}{{"/fail", attr(failSpan, "http.route")}, {"/panic", attr(panicSpan, "http.route")}} {
				if s.got != s.route {
					t.Errorf("http.route = %q, want %q", s.got, s.route)
				}
			}
			events := r.events.Events()
			if len(events) != 2 {
				t.Fatalf("want 2 events, got %d", len(events))
			}
			got := map[string]bool{}
			for _, ev := range events {
				tid, _ := ev.Contexts["trace"]["trace_id"].(string)
				kind := "panic"
				for _, e := range ev.Exception {
					if e.Type == "unavailable" {
						kind = "fail"
					}
				}
				got[kind] = tid == failSpan.SpanContext.TraceID().String() || tid == panicSpan.SpanContext.TraceID().String()
			}
			want := map[string]bool{"fail": true, "panic": tc.panicSharesSpan}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event shares its span's trace, by transaction (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProbesLeaveOtherPathsAlone: the probe endpoints answer, and every
// other path is the application's: GET / is 404 when the application has
// no handler there, and its own "/" handler keeps every method (issue 13,
// point 9).
func TestProbesLeaveOtherPathsAlone(t *testing.T) {
	r := newRig(t)
	bare := r.sk.Handler(app(r.sk))
	withRoot := http.NewServeMux()
	withRoot.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	own := r.sk.Handler(withRoot)
	for _, tc := range []struct {
		h      http.Handler
		method string
		path   string
		want   int
	}{
		{bare, "GET", "/", 404},
		{bare, "OPTIONS", "/", 404},
		{bare, "GET", "/nothing", 404},
		{own, "GET", "/", http.StatusTeapot},
		{own, "OPTIONS", "/", http.StatusTeapot},
		{own, "POST", "/", http.StatusTeapot},
		{bare, "GET", "/livez", 200},
		{own, "GET", "/livez", 200},
		{bare, "GET", "/healthz", 200},
		{bare, "GET", "/livez/nonexistent", 404},
	} {
		if got := get(t, tc.h, tc.method, tc.path).status; got != tc.want {
			t.Errorf("%s %s answered %d, want %d", tc.method, tc.path, got, tc.want)
		}
	}
}
