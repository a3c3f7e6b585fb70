package errorsx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
)

// credentials keeps its secret in an unexported field, where fmt cannot
// call the secret's own methods.
type credentials struct {
	User string
	key  errorsx.SecretValue
}

type holder struct {
	Name  string
	inner any
	ptr   *credentials
}

// nestedSecrets returns values that hold secret however it is nested.
func nestedSecrets(secret string) map[string]any {
	c := credentials{User: "ann", key: errorsx.Secret(secret)}
	return map[string]any{
		"unexported field":       c,
		"pointer to struct":      &c,
		"unexported any field":   holder{Name: "h", inner: errorsx.Secret(secret)},
		"unexported pointer":     holder{Name: "h", ptr: &c},
		"map":                    map[string]any{"k": errorsx.Secret(secret)},
		"map of structs":         map[string]credentials{"k": c},
		"slice":                  []any{1, errorsx.Secret(secret)},
		"slice of secret values": []errorsx.SecretValue{errorsx.Secret(secret)},
		"exported field":         struct{ Key errorsx.SecretValue }{errorsx.Secret(secret)},
		"pointer to secret":      &struct{ k *errorsx.SecretValue }{k: new(errorsx.Secret(secret))},
		"secret of a struct":     errorsx.Secret(credentials{User: secret}),
	}
}

func TestSecretRedactedHoweverNested(t *testing.T) {
	const secret = "n3st3d-s3cr3t"
	for name, v := range nestedSecrets(secret) {
		t.Run(name, func(t *testing.T) {
			err := errorsx.Internal.New("boom", "value", v)
			rec := httptest.NewRecorder()
			errorsx.WriteProblem(rec, nil, errorsx.InvalidArgument.New("bad", "value", v), "")
			var text bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Error("failed", "v", v, "err", err)
			outputs := map[string]string{
				"%v":              fmt.Sprintf("%v", v),
				"%+v":             fmt.Sprintf("%+v", v),
				"%#v":             fmt.Sprintf("%#v", v),
				"%s":              fmt.Sprintf("%s", v),
				"%x":              fmt.Sprintf("%x", v),
				"Sprint":          fmt.Sprint(v),
				"error %+v":       fmt.Sprintf("%+v", err),
				"json":            mustJSON(t, v),
				"zap":             string(zapJSON(t, errorsx.Zap(err))),
				"zap.Any":         string(zapJSON(t, zap.Any("v", v))),
				"slog":            string(slogJSON(t, errorsx.Attr(err), slog.Any("v", v))),
				"slog text":       text.String(),
				"problem":         rec.Body.String(),
				"fields %#v":      fmt.Sprintf("%#v", errorsx.FieldsOf(err)),
				"fields Sprint":   fmt.Sprint(errorsx.FieldsOf(err)),
				"fields json":     mustJSON(t, errorsx.FieldsOf(err)),
				"fields zap.Any":  string(zapJSON(t, zap.Any("f", errorsx.FieldsOf(err)))),
				"time-stamped %v": fmt.Sprintf("%v %v", time.Duration(0), v),
			}
			for out, s := range outputs {
				if strings.Contains(s, secret) {
					t.Errorf("%s reveals the secret: %s", out, s)
				}
			}
		})
	}
}

func TestSecretRevealKeepsValue(t *testing.T) {
	s := errorsx.Secret(42)
	if got := s.Reveal(); got != 42 {
		t.Errorf("Reveal() = %v, want 42", got)
	}
	var zero errorsx.SecretValue
	if got := zero.Reveal(); got != nil {
		t.Errorf("zero SecretValue Reveal() = %v, want nil", got)
	}
	if got := fmt.Sprint(zero); got != errorsx.Redacted {
		t.Errorf("zero SecretValue prints %q, want %q", got, errorsx.Redacted)
	}
}

// TestProblemInstanceHidesTokens: a token in the request's path (a JWT, a
// long random key) is not echoed into the problem's instance, which
// proxies, browsers and support tickets keep.
func TestProblemInstanceHidesTokens(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/orders/42", "/orders/42"},
		{"/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc/confirm", "/reset/[REDACTED]/confirm"},
		{"/keys/sEcR3t7oKeN9x2Q8vB4nM6kL1pZ5wY3uT0rD", "/keys/[REDACTED]"},
		{"/blobs/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "/blobs/[REDACTED]"},
		{"/docs/annual-report-for-the-shareholders-2024", "/docs/annual-report-for-the-shareholders-2024"},
		{"/orders/550e8400-e29b-41d4-a716-446655440000", "/orders/550e8400-e29b-41d4-a716-446655440000"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		errorsx.WriteProblem(rec, httptest.NewRequest("GET", tt.path, nil), errorsx.NotFound.New("nope"), "")
		var p errorsx.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Instance != tt.want {
			t.Errorf("%s: instance %q, want %q", tt.path, p.Instance, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	c := credentials{User: "ann", key: errorsx.Secret("k3y")}
	var nilAny any
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"plain values print as fmt prints them", struct{ A, b int }{1, 2}, "{1 2}"},
		{"a secret", errorsx.Secret("k3y"), errorsx.Redacted},
		{"an unexported field", c, "{ann [REDACTED]}"},
		{"a pointer", &c, "&{ann [REDACTED]}"},
		{"an unexported pointer", holder{Name: "h", ptr: &c}, "{h <nil> &{ann [REDACTED]}}"},
		{"an unexported interface", holder{Name: "h", inner: errorsx.Secret("k3y")}, "{h [REDACTED] <nil>}"},
		{"a map", map[string]any{"b": errorsx.Secret("k3y"), "a": 1}, "map[a:1 b:[REDACTED]]"},
		{"a slice", []any{1, errorsx.Secret("k3y"), nilAny}, "[1 [REDACTED] <nil>]"},
		{"nil", nil, "<nil>"},
	}
	for _, tt := range tests {
		if got := errorsx.FormatValue(tt.v); got != tt.want {
			t.Errorf("%s: FormatValue = %q, want %q", tt.name, got, tt.want)
		}
	}
	err := errorsx.Internal.New("boom", "creds", c)
	if got := fmt.Sprintf("%+v", err); !strings.Contains(got, "creds: {ann [REDACTED]}") {
		t.Errorf("%%+v does not print the field with its secret redacted:\n%s", got)
	}
}

type node struct {
	next []*node
	key  errorsx.SecretValue
}

// TestFormatValueBounded: a wide graph with cycles prints in bounded time
// and size, its secrets redacted.
func TestFormatValueBounded(t *testing.T) {
	n := &node{key: errorsx.Secret("k3y")}
	for range 10 {
		n.next = append(n.next, n)
	}
	got := errorsx.FormatValue(n)
	if len(got) > 64<<10 || strings.Contains(got, "k3y") || !strings.Contains(got, "...") {
		t.Errorf("FormatValue of a cyclic graph: %d bytes, want a bounded, redacted text", len(got))
	}
}
