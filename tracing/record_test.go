package tracing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/tracing/tracingtest"
)

// recorded is what RecordError leaves on a span, flattened for comparison.
type recorded struct {
	Status    sdktrace.Status
	ErrorType string
	Event     map[string]string // the exception event's attributes, stack aside
	StackTop  string            // the stack's first function
}

func recordOn(t *testing.T, err error, attrs ...attribute.KeyValue) (recorded, string) {
	t.Helper()
	tp, exp := newTestProvider(t)
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	RecordError(ctx, err, attrs...)
	span.End()
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d spans; want 1", len(spans))
	}
	s := spans[0]
	got := recorded{Status: s.Status, ErrorType: attrValue(s.Attributes, "error.type"), Event: map[string]string{}}
	for _, e := range s.Events {
		if e.Name != "exception" {
			t.Errorf("unexpected event %q", e.Name)
			continue
		}
		for _, kv := range e.Attributes {
			if kv.Key == "exception.stacktrace" {
				got.StackTop, _, _ = strings.Cut(kv.Value.AsString(), "\n")
				continue
			}
			got.Event[string(kv.Key)] = kv.Value.Emit()
		}
	}
	all, _ := json.Marshal(spans)
	return got, string(all)
}

func findUser(id string) error {
	return errorsx.NotFound.New("user not found", "user_id", id, "attempt", 3, "cached", false,
		"ratio", 0.5, "wait", 2*time.Second, "token", errorsx.Secret("s3cr3t-t0ken"))
}

func TestRecordError(t *testing.T) {
	_, pathErr := os.Open("/does/not/exist")
	tests := []struct {
		name string
		err  error
		want recorded
	}{
		{
			name: "errorsx error: code, fields, stack; secret redacted",
			err:  errorsx.Wrap(findUser("u-7"), "load profile", "tenant", "acme"),
			want: recorded{
				Status:    sdktrace.Status{Code: codes.Error, Description: "load profile: user not found"},
				ErrorType: "not_found",
				Event: map[string]string{
					"exception.type": "not_found", "exception.message": "load profile: user not found",
					"user_id": "u-7", "attempt": "3", "cached": "false", "ratio": "0.5", "wait": "2s",
					"token": "[REDACTED]", "tenant": "acme",
				},
				StackTop: "github.com/supportkit/supportkit/tracing.findUser",
			},
		},
		{
			name: "plain error wrapped by fmt: the Go type of the cause",
			err:  fmt.Errorf("read config: %w", pathErr),
			want: recorded{
				Status:    sdktrace.Status{Code: codes.Error, Description: "read config: open /does/not/exist: no such file or directory"},
				ErrorType: "*fs.PathError",
				Event: map[string]string{
					"exception.type":    "*fs.PathError",
					"exception.message": "read config: open /does/not/exist: no such file or directory",
				},
			},
		},
		{
			name: "context error has a code",
			err:  fmt.Errorf("query: %w", context.DeadlineExceeded),
			want: recorded{
				Status:    sdktrace.Status{Code: codes.Error, Description: "query: context deadline exceeded"},
				ErrorType: "deadline_exceeded",
				Event:     map[string]string{"exception.type": "deadline_exceeded", "exception.message": "query: context deadline exceeded"},
			},
		},
		{
			name: "nil error records nothing",
			err:  nil,
			want: recorded{Event: map[string]string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := recordOn(t, tt.err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("recorded mismatch (-want +got):\n%s", diff)
			}
		})
	}
	var pe *fs.PathError
	if !errors.As(pathErr, &pe) {
		t.Fatal("test setup: want a *fs.PathError")
	}
}

// TestRecordErrorNeverExportsSecrets looks for the secret anywhere in the
// exported span, whatever form the secret field takes.
func TestRecordErrorNeverExportsSecrets(t *testing.T) {
	const secret = "s3cr3t-t0ken"
	tests := []struct {
		name string
		err  error
	}{
		{"string secret", findUser("u-1")},
		{"secret in a wrapping layer", errorsx.Wrap(errors.New("denied"), "auth", "password", errorsx.Secret(secret))},
		{"secret struct", errorsx.Unauthenticated.New("bad credentials", "creds", errorsx.Secret(struct{ Key string }{secret}))},
		{"secret in Errorf arguments", errorsx.Unauthenticated.Errorf("bad token %v", errorsx.Secret(secret))},
		{"secret inside a join", errorsx.Join(errors.New("a"), findUser("u-2"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, all := recordOn(t, tt.err)
			if strings.Contains(all, secret) {
				t.Errorf("the secret reached the span:\n%s", all)
			}
			if got.Status.Code != codes.Error {
				t.Errorf("status %v; want error", got.Status)
			}
		})
	}
}

func TestRecordErrorOnNonRecordingSpans(t *testing.T) {
	err := findUser("u-1")
	allocs := testing.AllocsPerRun(100, func() {
		RecordError(context.Background(), err)
		RecordSpanError(noop.Span{}, err)
		RecordSpanError(trace.SpanFromContext(context.Background()), err)
	})
	if allocs != 0 {
		t.Errorf("RecordError on a non-recording span allocates %v times; want 0", allocs)
	}
}

func BenchmarkRecordError(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer tp.Shutdown(context.Background())
	err := errorsx.Wrap(findUser("u-7"), "load profile", "tenant", "acme")
	b.Run("recording", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ctx, span := tp.Tracer("bench").Start(context.Background(), "op")
			RecordError(ctx, err)
			span.End()
		}
	})
	b.Run("not-recording", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			RecordError(ctx, err)
		}
	})
}

// exceptionEvents returns the exception events of the only span rec has,
// each as its attributes (the stack reduced to its first function), and
// the number of exception.type attributes among them.
func exceptionEvents(t *testing.T, rec *tracingtest.Recorder) (events []map[string]string, types int) {
	t.Helper()
	spans := rec.Spans()
	if len(spans) != 1 {
		t.Fatalf("got %d spans; want 1", len(spans))
	}
	for _, e := range spans[0].Events {
		if e.Name != "exception" {
			continue
		}
		m := map[string]string{}
		for _, kv := range e.Attributes {
			v := kv.Value.Emit()
			switch kv.Key {
			case "exception.type":
				types++
			case "exception.stacktrace":
				v, _, _ = strings.Cut(v, "\n")
			}
			m[string(kv.Key)] = v
		}
		events = append(events, m)
	}
	return events, types
}

// TestRecordErrorEventAttributes: one exception event with one of each
// exception.* attribute, the caller's attributes on it (sentry.event_id,
// say), fields that cannot replace the exception's own attributes, one
// attribute per key.
func TestRecordErrorEventAttributes(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		attrs []attribute.KeyValue
		want  map[string]string
	}{
		{
			name:  "the caller's attributes",
			err:   findUser("u-7"),
			attrs: []attribute.KeyValue{attribute.String("sentry.event_id", "0123456789abcdef0123456789abcdef")},
			want: map[string]string{
				"exception.type": "not_found", "exception.message": "user not found",
				"exception.stacktrace": "github.com/supportkit/supportkit/tracing.findUser",
				"user_id":              "u-7", "attempt": "3", "cached": "false", "ratio": "0.5", "wait": "2s", "token": "[REDACTED]",
				"sentry.event_id": "0123456789abcdef0123456789abcdef",
			},
		},
		{
			name: "fields named like the exception's attributes are left out",
			err:  errorsx.Internal.New("boom", "exception.type", "forged", "exception.message", "forged", "exception.stacktrace", "forged", "k", "v"),
			want: map[string]string{
				"exception.type": "internal", "exception.message": "boom",
				"exception.stacktrace": "github.com/supportkit/supportkit/tracing.TestRecordErrorEventAttributes", "k": "v",
			},
		},
		{
			name:  "the outer layer's field wins, the caller's attribute over both; the exception's own stay",
			err:   errorsx.Wrap(errorsx.Unavailable.New("ledger down", "attempt", 1, "host", "a"), "charge", "attempt", 2),
			attrs: []attribute.KeyValue{attribute.String("host", "b"), attribute.String("exception.type", "forged")},
			want: map[string]string{
				"exception.type": "unavailable", "exception.message": "charge: ledger down",
				"exception.stacktrace": "github.com/supportkit/supportkit/tracing.TestRecordErrorEventAttributes",
				"attempt":              "2", "host": "b",
			},
		},
		{
			name:  "a foreign error: its Go type, no stack",
			err:   fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: errors.New("refused")}),
			attrs: []attribute.KeyValue{attribute.String("sentry.event_id", "e")},
			want: map[string]string{
				"exception.type": "*net.OpError", "exception.message": "dial: dial: refused", "sentry.event_id": "e",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracingtest.NewRecorder()
			t.Cleanup(func() { _ = rec.TracerProvider.Shutdown(context.Background()) })
			ctx, span := rec.TracerProvider.Tracer("test").Start(context.Background(), "op")
			RecordError(ctx, tt.err, tt.attrs...)
			span.End()
			events, types := exceptionEvents(t, rec)
			if diff := cmp.Diff([]map[string]string{tt.want}, events); diff != "" {
				t.Errorf("exception events mismatch (-want +got):\n%s", diff)
			}
			if types != 1 {
				t.Errorf("%d exception.type attributes; want 1", types)
			}
			attrCount := len(rec.Spans()[0].Events[0].Attributes)
			if attrCount != len(tt.want) {
				t.Errorf("%d attributes on the event; want %d, one per key", attrCount, len(tt.want))
			}
		})
	}
}

// TestRecordErrorDescriptionLeavesNoSecret: the status description is the
// message as it may leave the process: a secret formatted into a 5xx
// error's message reads [REDACTED].
func TestRecordErrorDescriptionLeavesNoSecret(t *testing.T) {
	got, all := recordOn(t, errorsx.Internal.Errorf("charge card %v for %s", errorsx.Secret("4111111111111111"), errorsx.Safe("o-1")))
	want := sdktrace.Status{Code: codes.Error, Description: "charge card [REDACTED] for o-1"}
	if diff := cmp.Diff(want, got.Status); diff != "" {
		t.Errorf("status mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(all, "4111111111111111") {
		t.Errorf("the secret reached the span:\n%s", all)
	}
}

// TestRecordErrorTypedNil: a nil pointer in a non-nil error (a classic Go
// mistake) is recorded as "<nil>" with its type, as zap prints it, rather
// than panicking in its Error or Unwrap method. (Wrapped in another error
// it still panics, in errors.Is as in errorsx.CodeOf: errorsx's to fix.)
func TestRecordErrorTypedNil(t *testing.T) {
	var pe *fs.PathError
	var got recorded
	got, _ = recordOn(t, error(pe), attribute.String("sentry.event_id", "e"))
	want := recorded{
		Status:    sdktrace.Status{Code: codes.Error, Description: "<nil>"},
		ErrorType: "*fs.PathError",
		Event:     map[string]string{"exception.type": "*fs.PathError", "exception.message": "<nil>", "sentry.event_id": "e"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bare: recorded mismatch (-want +got):\n%s", diff)
	}
}

// TestRecordErrorRedactsErrorfArguments: the values formatted into an
// errorsx.Errorf message do not reach the span; the literal text does.
func TestRecordErrorRedactsErrorfArguments(t *testing.T) {
	rec := tracingtest.NewRecorder()
	_, span := rec.TracerProvider.Tracer("t").Start(context.Background(), "op")
	RecordSpanError(span, errorsx.Internal.Errorf("charge %s for %s", "4111-1111", "ann@example.com"))
	span.End()
	got := rec.Spans()[0]
	const want = "charge [REDACTED] for [REDACTED]"
	if got.Status.Description != want {
		t.Errorf("status description %q, want %q", got.Status.Description, want)
	}
	for _, ev := range got.Events {
		for _, a := range ev.Attributes {
			if strings.Contains(a.Value.Emit(), "ann@example.com") || strings.Contains(a.Value.Emit(), "4111") {
				t.Errorf("event attribute %s = %q carries an Errorf argument", a.Key, a.Value.Emit())
			}
		}
	}
}
