package errorsx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

func TestErrorText(t *testing.T) {
	root := errorsx.NotFound.New("order not found", "order_id", 42)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"new", errorsx.New("boom"), "boom"},
		{"code new", root, "order not found"},
		{"wrap", errorsx.Wrap(root, "load order"), "load order: order not found"},
		{"wrap twice", errorsx.Wrap(errorsx.Wrap(root, "load order"), "handle request"), "handle request: load order: order not found"},
		{"wrapf", errorsx.Wrapf(io.EOF, "read %s", "header"), "read header: EOF"},
		{"code wrapf", errorsx.Unavailable.Wrapf(io.EOF, "read %d", 3), "read 3: EOF"},
		{"with adds no text", errorsx.With(root, "user", 7), "order not found"},
		{"code wrap with empty msg adds no text", errorsx.Internal.Wrap(root, ""), "order not found"},
		{"errorf", errorsx.Errorf("bad %s", "input"), "bad input"},
		{"errorf %w does not repeat the cause", errorsx.Errorf("load: %w", root), "load: order not found"},
		{"code errorf %w", errorsx.Internal.Errorf("load %d: %w", 1, io.EOF), "load 1: EOF"},
		{"foreign wrapper around ours", fmt.Errorf("outer: %w", errorsx.Wrap(root, "mid")), "outer: mid: order not found"},
		{"secret in errorf args", errorsx.Errorf("token %v rejected", errorsx.Secret("abc123")), "token [REDACTED] rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWrapNilIsUntypedNil(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"Wrap", errorsx.Wrap(nil, "x")},
		{"Wrapf", errorsx.Wrapf(nil, "x %d", 1)},
		{"With", errorsx.With(nil, "k", "v")},
		{"Code.Wrap", errorsx.Internal.Wrap(nil, "x")},
		{"Code.Wrapf", errorsx.Internal.Wrapf(nil, "x")},
		{"WrapSkip", errorsx.WrapSkip(1, nil, errorsx.Internal, "x")},
		{"Join of nils", errorsx.Join(nil, nil)},
		{"Join of nothing", errorsx.Join()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A typed nil (*Error)(nil) in an error interface would compare
			// unequal to nil and make "if err != nil" lie.
			if tt.err != nil {
				t.Errorf("got %#v (%T), want untyped nil", tt.err, tt.err)
			}
		})
	}
}

func TestCodeOf(t *testing.T) {
	root := errorsx.NotFound.New("order not found")
	tests := []struct {
		name string
		err  error
		want errorsx.Code
	}{
		{"nil is OK", nil, errorsx.OK},
		{"no code", errorsx.New("x"), errorsx.Unknown},
		{"foreign", io.EOF, errorsx.Unknown},
		{"own code", root, errorsx.NotFound},
		{"kept through uncoded wraps", errorsx.Wrap(errorsx.With(root, "a", 1), "b"), errorsx.NotFound},
		{"outermost wins", errorsx.Internal.Wrap(root, "query"), errorsx.Internal},
		{"through foreign wrapper", fmt.Errorf("x: %w", root), errorsx.NotFound},
		{"errorf %w keeps inner code", errorsx.Errorf("x: %w", root), errorsx.NotFound},
		{"errorf with code over inner", errorsx.Unavailable.Errorf("x: %w", root), errorsx.Unavailable},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), errorsx.DeadlineExceeded},
		{"canceled", errorsx.Wrap(context.Canceled, "call"), errorsx.Canceled},
		{"code beats context", errorsx.Unavailable.Wrap(context.DeadlineExceeded, "call"), errorsx.Unavailable},
		{"join: first coded", errorsx.Join(io.EOF, root, errorsx.Internal.New("y")), errorsx.NotFound},
		{"std join", errors.Join(io.EOF, root), errorsx.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorsx.CodeOf(tt.err)
			if got != tt.want {
				t.Errorf("CodeOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodeHTTPStatus(t *testing.T) {
	want := map[string]int{
		"ok": 200, "canceled": 499, "unknown": 500, "invalid_argument": 400,
		"deadline_exceeded": 504, "not_found": 404, "already_exists": 409,
		"permission_denied": 403, "resource_exhausted": 429,
		"failed_precondition": 400, "aborted": 409, "out_of_range": 400,
		"unimplemented": 501, "internal": 500, "unavailable": 503,
		"data_loss": 500, "unauthenticated": 401,
	}
	got := map[string]int{}
	for name := range want {
		c, ok := errorsx.LookupCode(name)
		if !ok {
			t.Errorf("LookupCode(%q) not found", name)
			continue
		}
		if c.String() != name {
			t.Errorf("LookupCode(%q).String() = %q", name, c.String())
		}
		got[name] = c.HTTPStatus()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("HTTP status mismatch (-want +got):\n%s", diff)
	}
	if _, ok := errorsx.LookupCode("no_such_code"); ok {
		t.Error("LookupCode found a code that does not exist")
	}
	if s := (errorsx.Code{}).HTTPStatus(); s != http.StatusInternalServerError {
		t.Errorf("zero Code status = %d, want 500", s)
	}
}

func TestNewCode(t *testing.T) {
	tests := []struct {
		name       string
		code       errorsx.Code
		wantName   string
		wantStatus int
	}{
		{"valid", errorsx.NewCode("payment_declined", 402), "payment_declined", 402},
		{"empty name", errorsx.NewCode("", 409), "unknown", 409},
		{"success status refused", errorsx.NewCode("weird", 200), "weird", 500},
		{"status out of range", errorsx.NewCode("weird", 700), "weird", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := [2]any{tt.code.String(), tt.code.HTTPStatus()}
			if diff := cmp.Diff([2]any{tt.wantName, tt.wantStatus}, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	declined := errorsx.NewCode("payment_declined", 402)
	err := errorsx.Wrap(declined.New("card declined"), "checkout")
	if !errors.Is(err, declined) {
		t.Error("errors.Is does not find a user-defined code")
	}
	if errorsx.CodeOf(err) != declined {
		t.Errorf("CodeOf = %v, want %v", errorsx.CodeOf(err), declined)
	}
}

var errSentinel = errors.New("sentinel")

type customErr struct{ v int }

func (c *customErr) Error() string { return fmt.Sprint("custom ", c.v) }

// TestIsAsLikeStdlib builds the same chains with the standard library and
// with errorsx and checks that errors.Is and errors.As answer the same.
func TestIsAsLikeStdlib(t *testing.T) {
	custom := &customErr{v: 7}
	type chain struct{ std, ours error }
	chains := map[string]chain{
		"sentinel root": {
			fmt.Errorf("b: %w", fmt.Errorf("a: %w", errSentinel)),
			errorsx.Wrap(errorsx.Wrap(errSentinel, "a"), "b"),
		},
		"custom root": {
			fmt.Errorf("b: %w", custom),
			errorsx.Wrap(custom, "b"),
		},
		"join": {
			errors.Join(io.EOF, fmt.Errorf("x: %w", errSentinel)),
			errorsx.Join(io.EOF, errorsx.Wrap(errSentinel, "x")),
		},
		"errorf with two %w": {
			fmt.Errorf("%w and %w", io.EOF, errSentinel),
			errorsx.Errorf("%w and %w", io.EOF, errSentinel),
		},
		"no match": {
			fmt.Errorf("b: %w", errors.New("sentinel")),
			errorsx.Wrap(errorsx.New("sentinel"), "b"),
		},
	}
	targets := map[string]error{"sentinel": errSentinel, "EOF": io.EOF, "ErrNotExist": fs.ErrNotExist, "custom": custom}
	for name, c := range chains {
		for tname, target := range targets {
			std, ours := errors.Is(c.std, target), errors.Is(c.ours, target)
			if std != ours {
				t.Errorf("%s: errors.Is(_, %s): stdlib %v, errorsx %v", name, tname, std, ours)
			}
		}
		var sc, oc *customErr
		if std, ours := errors.As(c.std, &sc), errors.As(c.ours, &oc); std != ours || sc != oc {
			t.Errorf("%s: errors.As: stdlib %v %p, errorsx %v %p", name, std, sc, ours, oc)
		}
	}
}

func TestIsCode(t *testing.T) {
	inner := errorsx.NotFound.New("missing")
	err := errorsx.Internal.Wrap(inner, "query")
	tests := []struct {
		target error
		want   bool
	}{
		{errorsx.NotFound, true}, // any layer that set it
		{errorsx.Internal, true},
		{errorsx.Unavailable, false},
		{errorsx.Code{}, false},
		{errors.New("missing"), false}, // never by message
		{inner, true},                  // by identity
	}
	for _, tt := range tests {
		if got := errors.Is(err, tt.target); got != tt.want {
			t.Errorf("errors.Is(err, %v) = %v, want %v", tt.target, got, tt.want)
		}
	}
	var e *errorsx.Error
	if !errors.As(err, &e) || e.Code() != errorsx.Internal || e.Message() != "query" {
		t.Errorf("errors.As gave %+v", e)
	}
}

func TestJoin(t *testing.T) {
	a, b := errorsx.New("a"), io.EOF
	j := errorsx.Join(a, nil, b)
	if diff := cmp.Diff(errors.Join(a, b).Error(), j.Error()); diff != "" {
		t.Errorf("Error() differs from errors.Join (-std +ours):\n%s", diff)
	}
	u, ok := j.(interface{ Unwrap() []error })
	if !ok {
		t.Fatal("join has no Unwrap() []error")
	}
	g, ok := j.(interface{ Errors() []error })
	if !ok {
		t.Fatal("join has no Errors() []error")
	}
	want := []error{a, b}
	if diff := cmp.Diff(want, u.Unwrap(), cmp.Comparer(func(x, y error) bool { return x == y })); diff != "" {
		t.Errorf("Unwrap mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, g.Errors(), cmp.Comparer(func(x, y error) bool { return x == y })); diff != "" {
		t.Errorf("Errors mismatch (-want +got):\n%s", diff)
	}
	if !errors.Is(j, io.EOF) || !errors.Is(j, a) {
		t.Error("errors.Is does not see through the join")
	}
}

func TestFieldsOf(t *testing.T) {
	root := errorsx.NotFound.New("order not found", "order_id", 42, "region", "eu")
	err := errorsx.Wrap(fmt.Errorf("mid: %w", errorsx.With(root, "user_id", 7)), "handler",
		slog.String("route", "/orders/{id}"),
		errorsx.Field{Key: "attempt", Value: 2},
		"token", errorsx.Secret("s3cr3t"))
	got := errorsx.FieldsOf(err)
	want := []errorsx.Field{
		{Key: "order_id", Value: 42},
		{Key: "region", Value: "eu"},
		{Key: "user_id", Value: 7},
		{Key: "route", Value: "/orders/{id}"},
		{Key: "attempt", Value: 2},
		{Key: "token", Value: errorsx.Secret("s3cr3t"), Secret: true},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(errorsx.SecretValue{})); diff != "" {
		t.Errorf("FieldsOf mismatch (-want +got):\n%s", diff)
	}
	if errorsx.FieldsOf(nil) != nil || errorsx.FieldsOf(io.EOF) != nil {
		t.Error("FieldsOf of nil or a foreign error is not empty")
	}
}

func TestOddKeyValueLists(t *testing.T) {
	tests := []struct {
		name string
		kv   []any
		want []errorsx.Field
	}{
		{"missing value", []any{"a", 1, "b"}, []errorsx.Field{{Key: "a", Value: 1}, {Key: "b", Value: errorsx.MissingValue}}},
		{"non-string key", []any{42, "x"}, []errorsx.Field{{Key: errorsx.BadKey, Value: 42}, {Key: "x", Value: errorsx.MissingValue}}},
		{"nil key", []any{nil}, []errorsx.Field{{Key: errorsx.BadKey, Value: nil}}},
		{"nil value", []any{"k", nil}, []errorsx.Field{{Key: "k", Value: nil}}},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorsx.FieldsOf(errorsx.New("x", tt.kv...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPublicOf(t *testing.T) {
	inner := errorsx.NotFound.New("no row", errorsx.Public("inner public"))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"none", errorsx.New("x"), ""},
		{"nil", nil, ""},
		{"own", inner, "inner public"},
		{"kept through wraps", errorsx.Wrap(inner, "load"), "inner public"},
		{"outermost wins", errorsx.Wrap(inner, "load", errorsx.Public("outer public")), "outer public"},
	}
	for _, tt := range tests {
		if got := errorsx.PublicOf(tt.err); got != tt.want {
			t.Errorf("%s: PublicOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestNilReceivers(t *testing.T) {
	var e *errorsx.Error
	got := []any{e.Error(), e.Unwrap(), e.Is(errorsx.NotFound), e.Message(), e.Code(), e.Fields(),
		e.StackTrace(), e.Frames(), fmt.Sprintf("%v|%+v|%s|%q", e, e, e, e)}
	want := []any{"<nil>", nil, false, "", errorsx.Code{}, []errorsx.Field(nil), []uintptr(nil), []errorsx.Frame(nil), "<nil>|<nil>|<nil>|<nil>"}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("nil receiver mismatch (-want +got):\n%s", diff)
	}
	if got := e.LogValue().String(); got != "<nil>" {
		t.Errorf("LogValue = %q, want <nil>", got)
	}
	enc := zapcore.NewMapObjectEncoder()
	if err := e.MarshalLogObject(enc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"message": "<nil>"}, enc.Fields); diff != "" {
		t.Errorf("MarshalLogObject mismatch (-want +got):\n%s", diff)
	}
}
