package reporting_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// testPackage is this test package's import path, configured as in-app
// where a test asserts what the application's frames do.
const testPackage = "github.com/supportkit/supportkit/reporting_test"

//go:noinline
func queryOrders() error {
	return errorsx.Unavailable.New("connection refused", "table", "orders", "password", errorsx.Secret("hunter2"))
}

//go:noinline
func loadOrder() error {
	return errorsx.Internal.Wrap(queryOrders(), "load order", "order_id", 42)
}

//go:noinline
func readConfig() error { return errorsx.Wrap(io.EOF, "read config") }

//go:noinline
func captureHere(ctx context.Context, err error) string { return reporting.Capture(ctx, err) }

// exceptionView is what a support engineer reads of one exception.
type exceptionView struct {
	Type, Value, Top string
	Frames           int
}

func viewExceptions(ev *sentry.Event) []exceptionView {
	var out []exceptionView
	for _, e := range ev.Exception {
		v := exceptionView{Type: e.Type, Value: e.Value}
		if e.Stacktrace != nil {
			fs := e.Stacktrace.Frames
			v.Frames = len(fs)
			v.Top = fs[len(fs)-1].Function
		}
		if v.Frames > 1 {
			v.Frames = 2 // "a whole stack"; the exact depth depends on the test runner
		}
		out = append(out, v)
	}
	return out
}

func TestCaptureExceptionChain(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		want        []exceptionView
		fingerprint []string
		tags        map[string]string
		fields      sentry.Context
	}{
		{
			name: "errorsx chain: one exception per layer, titled by code",
			err:  loadOrder(),
			want: []exceptionView{
				{Type: "unavailable", Value: "connection refused", Top: "queryOrders", Frames: 2},
				{Type: "internal", Value: "load order: connection refused", Top: "loadOrder", Frames: 1},
			},
			fingerprint: []string{"internal", "github.com/supportkit/supportkit/reporting_test.queryOrders"},
			tags:        map[string]string{"code": "internal"},
			fields:      sentry.Context{"table": "orders", "order_id": 42},
		},
		{
			name:        "errorsx wrapping a plain error",
			err:         readConfig(),
			want:        []exceptionView{{Type: "unknown", Value: "read config: EOF", Top: "readConfig", Frames: 2}},
			fingerprint: []string{"unknown", "github.com/supportkit/supportkit/reporting_test.readConfig"},
			tags:        map[string]string{"code": "unknown"},
		},
		{
			name: "plain error: the capture site's stack, titled by its Go type, no fingerprint",
			err:  fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF),
			want: []exceptionView{{Type: "*errors.errorString", Value: "wrapped: unexpected EOF", Top: "captureHere", Frames: 2}},
			tags: map[string]string{"code": "unknown"},
		},
		{
			// Secrets as everywhere, and Errorf's arguments too (they may
			// carry personal data); a value marked Safe stays.
			name:        "secret values and Errorf arguments redacted in the message",
			err:         errorsx.Unauthenticated.Errorf("bad token %v for %s on %s", errorsx.Secret("s3cr3t"), "alice", errorsx.Safe("/login")),
			want:        []exceptionView{{Type: "unauthenticated", Value: "bad token [REDACTED] for [REDACTED] on /login", Top: "TestCaptureExceptionChain", Frames: 2}},
			fingerprint: []string{"unauthenticated", "github.com/supportkit/supportkit/reporting_test.TestCaptureExceptionChain"},
			tags:        map[string]string{"code": "unauthenticated"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// This package's functions are under supportkit's module path,
			// which the in-app rule treats as supportkit's own: the test
			// names itself the application.
			rec := reportingtest.New(t, reporting.WithInAppPrefixes(testPackage))
			ctx := rec.Reporter().Bind(context.Background())
			id := captureHere(ctx, tt.err)
			ev := rec.Event(id)
			if ev == nil {
				t.Fatalf("no event with ID %q", id)
			}
			if diff := cmp.Diff(tt.want, viewExceptions(ev)); diff != "" {
				t.Errorf("exceptions mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.fingerprint, ev.Fingerprint); diff != "" {
				t.Errorf("fingerprint mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.tags, ev.Tags); diff != "" {
				t.Errorf("tags mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.fields, ev.Contexts["fields"]); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(fmt.Sprint(ev.Exception, ev.Contexts), "hunter2") {
				t.Errorf("secret value found in event")
			}
		})
	}
}

func TestCaptureContext(t *testing.T) {
	rec := reportingtest.New(t)
	span := newFakeSpan(0xa0, 0xb0)
	ctx := span.context(rec.Reporter().Bind(context.Background()))
	reporting.SetUser(ctx, sentry.User{ID: "u-7"})
	id := reporting.Capture(ctx, errors.New("x"))
	ev := rec.Event(id)
	if ev == nil {
		t.Fatalf("no event %q", id)
	}
	got := map[string]any{"user": ev.User.ID, "trace": ev.Contexts["trace"], "level": string(ev.Level)}
	want := map[string]any{
		"user":  "u-7",
		"trace": sentry.Context{"trace_id": span.sc.TraceID().String(), "span_id": span.sc.SpanID().String()},
		"level": "error",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event context mismatch (-want +got):\n%s", diff)
	}
}

func TestCaptureWithoutReporter(t *testing.T) {
	if id := reporting.Capture(context.Background(), errors.New("x")); id != "" {
		t.Errorf("Capture without a reporter = %q, want \"\"", id)
	}
	rec := reportingtest.New(t)
	if id := rec.Reporter().Capture(context.Background(), nil); id != "" {
		t.Errorf("Capture(nil) = %q, want \"\"", id)
	}
}

// TestCaptureThroughSentryAPI: events captured with sentry-go's own API on
// a reporter's hub take the same road (scrubbing, outbox).
func TestCaptureThroughSentryAPI(t *testing.T) {
	rec := reportingtest.New(t)
	ctx := rec.Reporter().Bind(context.Background())
	sentry.GetHubFromContext(ctx).CaptureMessage("hello with eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig")
	evs := rec.Events()
	if len(evs) != 1 || evs[0].Message != "hello with [REDACTED]" {
		t.Errorf("events = %v, want one scrubbed message", evs)
	}
}
