package reporting_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/codes"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

type customPanic struct{ Reason string }

//go:noinline
func panicString() { panic("boom: string") }

//go:noinline
func panicError() { panic(errorsx.Unavailable.New("dependency gone", "dep", "db")) }

//go:noinline
func panicCustom() { panic(customPanic{Reason: "custom"}) }

//go:noinline
func panicNil() {
	var m *map[string]int
	(*m)["x"] = 1
}

func TestMiddlewarePanics(t *testing.T) {
	const pkg = "github.com/supportkit/supportkit/reporting_test"
	tests := []struct {
		name     string
		fn       func()
		wantType string
		wantVal  string
		wantTop  string // function of the innermost frame
	}{
		{"string", panicString, "panic", "boom: string", "panicString"},
		{"error", panicError, "unavailable", "dependency gone", "panicError"},
		{"custom type", panicCustom, "panic", "{custom} (reporting_test.customPanic)", "panicCustom"},
		{"runtime error", panicNil, "panic", "runtime error: invalid memory address or nil pointer dereference", "panicNil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := reportingtest.New(t)
			span := newFakeSpan(1, 2)
			h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tt.fn() }))
			req := httptest.NewRequest("GET", "/orders/7?x=1", nil)
			req = req.WithContext(span.context(req.Context()))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)

			var p errorsx.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if w.Code != 500 || w.Header().Get("Content-Type") != errorsx.ProblemContentType {
				t.Errorf("answer = %d %q, want 500 problem+json", w.Code, w.Header().Get("Content-Type"))
			}
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			ev := evs[0]
			if p.ReferenceID != string(ev.EventID) || p.ReferenceID == "" {
				t.Errorf("reference_id %q, event ID %q: want equal", p.ReferenceID, ev.EventID)
			}
			exc := ev.Exception[len(ev.Exception)-1]
			got := struct{ Type, Value, Top, Mechanism string }{exc.Type, exc.Value, ev.Exception[0].Stacktrace.Frames[len(ev.Exception[0].Stacktrace.Frames)-1].Function, exc.Mechanism.Type}
			want := struct{ Type, Value, Top, Mechanism string }{tt.wantType, tt.wantVal, tt.wantTop, "panic"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("exception mismatch (-want +got):\n%s", diff)
			}
			if exc.Mechanism.Handled == nil || *exc.Mechanism.Handled {
				t.Errorf("mechanism handled = %v, want false", exc.Mechanism.Handled)
			}
			if ev.Request == nil || ev.Request.Method != "GET" || !strings.HasSuffix(ev.Request.URL, "/orders/7") {
				t.Errorf("request = %+v, want GET /orders/7", ev.Request)
			}
			wantSpan := map[string]string{reporting.EventIDAttribute: string(ev.EventID)}
			if diff := cmp.Diff(wantSpan, span.attrs); diff != "" || span.status != codes.Error {
				t.Errorf("span status %v, attributes mismatch (-want +got):\n%s", span.status, diff)
			}
			wantTrace := sentry.Context{"trace_id": span.sc.TraceID().String(), "span_id": span.sc.SpanID().String()}
			if diff := cmp.Diff(wantTrace, ev.Contexts["trace"]); diff != "" {
				t.Errorf("trace context mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMiddlewareAbortHandler(t *testing.T) {
	rec := reportingtest.New(t)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler { //nolint:errorlint
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
		if n := len(rec.Events()); n != 0 {
			t.Errorf("got %d events for ErrAbortHandler, want 0", n)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

// TestMiddlewareScopeIsolation serves concurrent requests that each set a
// user, a tag and breadcrumbs, then fail; each event must carry only its
// own request's.
func TestMiddlewareScopeIsolation(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithStormLimit(1e9, 1e6))
	rep := rec.Reporter()
	h := rep.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := r.URL.Query().Get("n")
		ctx := r.Context()
		reporting.SetUser(ctx, sentry.User{ID: "user-" + n})
		reporting.SetTag(ctx, "n", n)
		for i := range 3 {
			reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: fmt.Sprintf("req %s step %d", n, i)})
		}
		if n[0]%2 == 0 {
			panic("panic in " + n)
		}
		id := reporting.Capture(ctx, errors.New("failure in "+n))
		w.Header().Set("X-Event", id)
	}))
	const N = 40
	var wg sync.WaitGroup
	for i := range N {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/?n=%02d", i), nil))
		}()
	}
	wg.Wait()
	evs := rec.Events()
	if len(evs) != N {
		t.Fatalf("got %d events, want %d", len(evs), N)
	}
	for _, ev := range evs {
		n := ev.Tags["n"]
		var crumbs []string
		for _, b := range ev.Breadcrumbs {
			crumbs = append(crumbs, b.Message)
		}
		want := struct {
			User   string
			Crumbs []string
		}{"user-" + n, []string{"req " + n + " step 0", "req " + n + " step 1", "req " + n + " step 2"}}
		got := struct {
			User   string
			Crumbs []string
		}{ev.User.ID, crumbs}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("event of request %s mismatch (-want +got):\n%s", n, diff)
		}
		if !strings.Contains(ev.Exception[len(ev.Exception)-1].Value, n) {
			t.Errorf("event of request %s has exception %q", n, ev.Exception[len(ev.Exception)-1].Value)
		}
	}
}

func TestMiddlewareNoPanicKeepsHubLazy(t *testing.T) {
	rec := reportingtest.New(t)
	var sawHub bool
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawHub = sentry.GetHubFromContext(r.Context()) != nil
		w.WriteHeader(204)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 204 || !sawHub || len(rec.Events()) != 0 {
		t.Errorf("code %d, hub found %v, events %d; want 204, true, 0", w.Code, sawHub, len(rec.Events()))
	}
}
