package reporting_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

func traceOf(ev *sentry.Event) string { return fmt.Sprint(ev.Contexts["trace"]["trace_id"]) }

// TestTraceIDWithoutOpenTelemetry: without a span, each request is a trace
// of its own (the caller's, when its sentry-trace or traceparent header is
// valid); a goroutine started with Go belongs to its request's trace, and
// one started outside any request has its own. No event carries a
// process-wide trace ID.
func TestTraceIDWithoutOpenTelemetry(t *testing.T) {
	const (
		callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		sentryTrace = "771a43a4192642f0b136d5159a501700"
	)
	rec := reportingtest.New(t)
	rep := rec.Reporter()
	request := func(header map[string]string, viaGo bool) string {
		t.Helper()
		rec.Reset()
		h := rep.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			if !viaGo {
				reporting.Capture(r.Context(), errors.New("x"))
				return
			}
			done := make(chan struct{})
			reporting.Go(r.Context(), func(ctx context.Context) { defer close(done); reporting.Capture(ctx, errors.New("x")) })
			<-done
		}))
		req := httptest.NewRequest("GET", "/", nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		return traceOf(waitEvents(t, rec, 1)[0])
	}
	background := func() string {
		t.Helper()
		rec.Reset()
		done := make(chan struct{})
		rep.Go(context.Background(), func(ctx context.Context) { defer close(done); reporting.Capture(ctx, errors.New("x")) })
		<-done
		return traceOf(waitEvents(t, rec, 1)[0])
	}
	base := func() string {
		t.Helper()
		rec.Reset()
		rep.Hub().CaptureMessage("on the base hub")
		return traceOf(waitEvents(t, rec, 1)[0])
	}

	first, second := request(nil, false), request(nil, false)
	goFromBackground1, goFromBackground2 := background(), background()
	base1, base2 := base(), base()
	got := map[string]any{
		"traceparent":                      request(map[string]string{"traceparent": "00-" + callerTrace + "-00f067aa0ba902b7-01"}, false),
		"sentry-trace":                     request(map[string]string{"sentry-trace": sentryTrace + "-b3b0a5d1c2e4f6a8-1"}, false),
		"sentry-trace wins":                request(map[string]string{"sentry-trace": sentryTrace + "-b3b0a5d1c2e4f6a8", "traceparent": "00-" + callerTrace + "-00f067aa0ba902b7-01"}, false),
		"goroutine of a traced request":    request(map[string]string{"traceparent": "00-" + callerTrace + "-00f067aa0ba902b7-01"}, true),
		"malformed traceparent is ignored": request(map[string]string{"traceparent": "00-" + callerTrace + "-0000000000000000-01"}, false) != callerTrace,
		"two requests differ":              first != second,
		"two background goroutines differ": goFromBackground1 != goFromBackground2 && goFromBackground1 != first,
		"base hub events differ":           base1 != base2,
		"all are trace IDs":                len(first) == 32 && len(second) == 32 && len(goFromBackground1) == 32 && len(base1) == 32,
	}
	want := map[string]any{
		"traceparent":                      callerTrace,
		"sentry-trace":                     sentryTrace,
		"sentry-trace wins":                sentryTrace,
		"goroutine of a traced request":    callerTrace,
		"malformed traceparent is ignored": true,
		"two requests differ":              true,
		"two background goroutines differ": true,
		"base hub events differ":           true,
		"all are trace IDs":                true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trace IDs mismatch (-want +got):\n%s", diff)
	}
}

// TestTraceIDOfTheSpanWins: with an OpenTelemetry span, events and the
// hub's trace are the span's, whatever the headers say.
func TestTraceIDOfTheSpanWins(t *testing.T) {
	rec := reportingtest.New(t)
	span := newFakeSpan(0x10, 0x20)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		reporting.Capture(r.Context(), errors.New("ours"))
		sentry.GetHubFromContext(r.Context()).CaptureMessage("through sentry-go's API")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req.WithContext(span.context(req.Context())))
	var got []string
	for _, ev := range waitEvents(t, rec, 2) {
		got = append(got, traceOf(ev))
	}
	want := []string{span.sc.TraceID().String(), span.sc.TraceID().String()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trace IDs mismatch (-want +got):\n%s", diff)
	}
}
