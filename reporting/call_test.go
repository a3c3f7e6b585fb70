package reporting_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/codes"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

func callRequest(context.Context) *http.Request {
	return &http.Request{
		Method: "POST",
		Host:   "orders.internal",
		URL:    &url.URL{Path: "/orders.v1.Orders/Get"},
		Header: http.Header{"Authorization": {"Bearer abcdefgh12345678"}, "User-Agent": {"grpc-go/1.84.0"}},
	}
}

func TestBindCallEventHasTransactionAndScrubbedRequest(t *testing.T) {
	rec := reportingtest.New(t)
	ctx := rec.Reporter().BindCall(context.Background(), "orders.v1.Orders/Get", callRequest)
	reporting.SetTag(ctx, "tenant", "t1")
	id := reporting.Capture(ctx, errorsx.Internal.New("boom"))
	ev := rec.Event(id)
	if ev == nil {
		t.Fatalf("no event %q", id)
	}
	type view struct {
		Transaction, Method, URL, Auth, UA, Tenant string
	}
	got := view{Transaction: ev.Transaction, Tenant: ev.Tags["tenant"]}
	if ev.Request != nil {
		got.Method, got.URL, got.Auth, got.UA = ev.Request.Method, ev.Request.URL, ev.Request.Headers["Authorization"], ev.Request.Headers["User-Agent"]
	}
	want := view{"orders.v1.Orders/Get", "POST", "http://orders.internal/orders.v1.Orders/Get", errorsx.Redacted, "grpc-go/1.84.0", "t1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event mismatch (-want +got):\n%s", diff)
	}
}

func TestBindCallWithoutRequest(t *testing.T) {
	rec := reportingtest.New(t)
	ctx := rec.Reporter().BindCall(context.Background(), "queue/orders", nil)
	ev := rec.Event(reporting.Capture(ctx, errorsx.Internal.New("boom")))
	if ev == nil || ev.Transaction != "queue/orders" || ev.Request != nil {
		t.Fatalf("event = %+v, want transaction queue/orders and no request", ev)
	}
}

func TestBindCallHubsAreIsolated(t *testing.T) {
	rec := reportingtest.New(t)
	a := rec.Reporter().BindCall(context.Background(), "svc/A", nil)
	b := rec.Reporter().BindCall(context.Background(), "svc/B", nil)
	reporting.SetTag(a, "only", "a")
	reporting.SetUser(a, sentry.User{ID: "user-a"})
	ev := rec.Event(reporting.Capture(b, errorsx.Internal.New("in b")))
	if ev == nil || ev.Tags["only"] != "" || ev.User.ID != "" {
		t.Fatalf("call B's event carries call A's scope: %+v", ev)
	}
}

//go:noinline
func panicInCall() { panic("call exploded") }

func TestRecoverPanic(t *testing.T) {
	rec := reportingtest.New(t)
	span := newFakeSpan(3, 4)
	ctx := rec.Reporter().BindCall(span.context(context.Background()), "orders.v1.Orders/Get", callRequest)
	var id string
	func() {
		defer func() {
			if v := recover(); v != nil {
				id = rec.Reporter().RecoverPanic(ctx, v)
			}
		}()
		panicInCall()
	}()
	ev := rec.Event(id)
	if ev == nil {
		t.Fatalf("no event %q", id)
	}
	frames := ev.Exception[0].Stacktrace.Frames
	type view struct {
		Transaction, Type, Value, Top string
		Level                         sentry.Level
		SpanStatus                    codes.Code
		SpanEventID                   string
	}
	got := view{ev.Transaction, ev.Exception[0].Type, ev.Exception[0].Value, frames[len(frames)-1].Function, ev.Level, span.status, span.attrs[reporting.EventIDAttribute]}
	want := view{"orders.v1.Orders/Get", "panic", "call exploded", "panicInCall", sentry.LevelFatal, codes.Error, id}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("panic report mismatch (-want +got):\n%s", diff)
	}
	if tc := ev.Contexts["trace"]; tc["trace_id"] != span.sc.TraceID().String() {
		t.Errorf("trace context %v, want the span's trace", tc)
	}
}
