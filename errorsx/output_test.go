package errorsx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The errors of the golden tests. Their frames are normalised (paths
// shortened, line numbers replaced), so editing this file does not break
// the golden files, but renaming these functions does.

//go:noinline
func findOrder(id int) error {
	return errorsx.NotFound.New("order not found", "order_id", id,
		"token", errorsx.Secret("s3cr3t-value"),
		errorsx.Public("We could not find that order."))
}

//go:noinline
func loadOrder(id int) error {
	return errorsx.Wrap(findOrder(id), fmt.Sprintf("load order %d", id), "user_id", 7)
}

//go:noinline
func queryFailed() error {
	return errorsx.Internal.Wrap(io.ErrUnexpectedEOF, "query orders", "table", "orders", "password", errorsx.Secret("hunter2"))
}

const secretText = "s3cr3t-value"

var (
	goroot    = runtime.GOROOT()
	fileLine  = regexp.MustCompile(`(?m)^(\s*)(/\S+?):\d+$`)
	modDir, _ = filepath.Abs("..")
)

func shortPath(p string) string {
	switch {
	case strings.HasPrefix(p, modDir+"/"):
		return strings.TrimPrefix(p, modDir+"/")
	case strings.HasPrefix(p, goroot+"/"):
		return "$GOROOT/" + strings.TrimPrefix(p, goroot+"/")
	}
	return p
}

// normText replaces paths and line numbers in %+v output.
func normText(s string) string {
	return fileLine.ReplaceAllStringFunc(s, func(m string) string {
		sub := fileLine.FindStringSubmatch(m)
		return sub[1] + shortPath(sub[2]) + ":N"
	})
}

// normJSON replaces the "file" and "line" of frames in JSON and indents
// it, keeping the order of keys (fields are ordered).
func normJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	b = frameFile.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := frameFile.FindSubmatch(m)
		return []byte(`"file":"` + shortPath(string(sub[1])) + `","line":"N"`)
	})
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return append(bytes.TrimSpace(out.Bytes()), '\n')
}

var frameFile = regexp.MustCompile(`"file":"([^"]*)","line":\d+`)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
	if bytes.Contains(got, []byte(secretText)) || bytes.Contains(got, []byte("hunter2")) {
		t.Errorf("%s reveals a secret value", name)
	}
}

func TestFormatVerboseGolden(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"verbose.golden", loadOrder(42)},
		{"verbose_foreign.golden", errorsx.Wrap(fmt.Errorf("handler: %w", queryFailed()), "serve")},
		{"verbose_join.golden", errorsx.Join(loadOrder(1), io.EOF)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, []byte(normText(fmt.Sprintf("%+v", tt.err))+"\n"))
		})
	}
}

func TestFormatVerbs(t *testing.T) {
	err := loadOrder(42)
	got := []string{fmt.Sprintf("%s", err), fmt.Sprintf("%v", err), fmt.Sprintf("%q", err), fmt.Sprintf("%d", err)}
	want := []string{"load order 42: order not found", "load order 42: order not found", `"load order 42: order not found"`, "%!d(load order 42: order not found)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestVerboseStackOnce checks that the stack is printed once, not once per
// layer: the test function appears once in the root's stack and the
// wrapping layers add one line each for their own frame.
func TestVerboseStackOnce(t *testing.T) {
	err := errorsx.Wrap(errorsx.Wrap(errorsx.Wrap(errorsx.New("root"), "a"), "b"), "c")
	out := fmt.Sprintf("%+v", err)
	self := "errorsx_test.TestVerboseStackOnce\n"
	if n := strings.Count(out, self); n != 4 {
		t.Errorf("test function appears %d times, want 4 (1 in the stack + 3 wrapping frames):\n%s", n, out)
	}
	if n := strings.Count(out, "testing.tRunner\n"); n != 1 {
		t.Errorf("testing.tRunner appears %d times, want once:\n%s", n, out)
	}
	// Innermost first.
	if i, j := strings.Index(out, "(1) root"), strings.Index(out, "(4) c"); i < 0 || j < 0 || i > j {
		t.Errorf("layers not innermost first:\n%s", out)
	}
}

func zapJSON(t *testing.T, fields ...zapcore.Field) []byte {
	t.Helper()
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder, EncodeDuration: zapcore.StringDurationEncoder})
	buf, err := enc.EncodeEntry(zapcore.Entry{Level: zapcore.ErrorLevel, Message: "request failed"}, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Free()
	return append([]byte(nil), buf.Bytes()...)
}

func slogJSON(t *testing.T, attrs ...slog.Attr) []byte {
	t.Helper()
	var b bytes.Buffer
	h := slog.NewJSONHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}})
	r := slog.NewRecord(time.Time{}, slog.LevelError, "request failed", 0)
	r.AddAttrs(attrs...)
	if err := h.Handle(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestZapGolden(t *testing.T) {
	golden(t, "zap.golden.json", normJSON(t, zapJSON(t, errorsx.Zap(loadOrder(42)))))
	golden(t, "zap_join.golden.json", normJSON(t, zapJSON(t, errorsx.Zap(errorsx.Join(queryFailed(), io.EOF)))))
}

func TestSlogGolden(t *testing.T) {
	golden(t, "slog.golden.json", normJSON(t, slogJSON(t, errorsx.Attr(loadOrder(42)))))
}

// TestZapAndSlogAgree checks that both loggers get the same structure.
func TestZapAndSlogAgree(t *testing.T) {
	for _, err := range []error{loadOrder(42), queryFailed(), errorsx.Join(queryFailed(), io.EOF), io.EOF} {
		decode := func(b []byte) any {
			var m map[string]any
			if err := json.Unmarshal(normJSON(t, b), &m); err != nil {
				t.Fatal(err)
			}
			return m["error"]
		}
		z := decode(zapJSON(t, errorsx.Zap(err)))
		// slog.Any on the error itself uses its LogValue; Attr works for
		// any error.
		s := decode(slogJSON(t, errorsx.Attr(err)))
		if diff := cmp.Diff(z, s); diff != "" {
			t.Errorf("%v: zap and slog differ (-zap +slog):\n%s", err, diff)
		}
		var e *errorsx.Error
		if errors.As(err, &e) && err == error(e) {
			viaAny := decode(slogJSON(t, slog.Any("error", err)))
			if diff := cmp.Diff(z, viaAny); diff != "" {
				t.Errorf("%v: slog.Any differs from zap (-zap +slog):\n%s", err, diff)
			}
			viaZapAny := decode(zapJSON(t, zap.Any("error", err)))
			if diff := cmp.Diff(z, viaZapAny); diff != "" {
				t.Errorf("%v: zap.Any differs from errorsx.Zap (-Zap +Any):\n%s", err, diff)
			}
		}
	}
}

// TestZapErrorStaysReadable checks the plain zap.Error(err): a one-line
// "error" and the %+v text as "errorVerbose".
func TestZapErrorStaysReadable(t *testing.T) {
	err := loadOrder(42)
	var got map[string]any
	if e := json.Unmarshal(zapJSON(t, zap.Error(err)), &got); e != nil {
		t.Fatal(e)
	}
	if got["error"] != "load order 42: order not found" {
		t.Errorf(`"error" = %q`, got["error"])
	}
	if got["errorVerbose"] != fmt.Sprintf("%+v", err) {
		t.Errorf(`"errorVerbose" = %q, want the %%+v text`, got["errorVerbose"])
	}
	if strings.Contains(fmt.Sprint(got), secretText) {
		t.Error("zap.Error reveals a secret")
	}
	// A join's causes come out through Errors().
	var j map[string]any
	if e := json.Unmarshal(zapJSON(t, zap.Error(errorsx.Join(err, io.EOF))), &j); e != nil {
		t.Fatal(e)
	}
	if causes, ok := j["errorCauses"].([]any); !ok || len(causes) != 2 {
		t.Errorf("errorCauses = %v, want 2 causes", j["errorCauses"])
	}
}

func TestZapNilIsSkipped(t *testing.T) {
	got := string(zapJSON(t, errorsx.Zap(nil), zap.String("k", "v")))
	if diff := cmp.Diff(`{"level":"error","msg":"request failed","k":"v"}`+"\n", got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if a := errorsx.Attr(nil); !a.Equal(slog.Attr{}) {
		t.Errorf("Attr(nil) = %v, want the empty attribute", a)
	}
}

func TestProblemGolden(t *testing.T) {
	tests := []struct {
		name   string
		method string
		err    error
		ref    string
	}{
		{"problem_404.golden.json", http.MethodGet, loadOrder(42), "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"problem_500.golden.json", http.MethodGet, errorsx.Wrap(queryFailed(), "list orders", "customer", "acme"), "0af7651916cd43dd8448eb211c80319c"},
		{"problem_500_public.golden.json", http.MethodGet, errorsx.Unavailable.Wrap(queryFailed(), "payments", errorsx.Public("Payments are paused.")), ""},
		{"problem_4xx_no_public.golden.json", http.MethodGet, errorsx.Wrap(errorsx.InvalidArgument.Wrap(io.EOF, "bad quantity", "qty", -1), "parse"), ""},
		{"problem_foreign.golden.json", http.MethodGet, io.EOF, ""},
		{"problem_nil.golden.json", http.MethodGet, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			errorsx.WriteProblem(rec, httptest.NewRequest(tt.method, "/api/42", nil), tt.err, tt.ref)
			res := rec.Result()
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
			body, _ := io.ReadAll(res.Body)
			var p errorsx.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Status != res.StatusCode {
				t.Errorf("body status %d, response status %d", p.Status, res.StatusCode)
			}
			if res.StatusCode >= 500 {
				for _, internal := range []string{"query", "orders", "unexpected EOF", "acme", "customer", "table"} {
					if strings.Contains(string(body), internal) {
						t.Errorf("5xx body reveals %q: %s", internal, body)
					}
				}
			}
			golden(t, tt.name, normJSON(t, body))
		})
	}
}

func TestProblemHead(t *testing.T) {
	rec := httptest.NewRecorder()
	errorsx.WriteProblem(rec, httptest.NewRequest(http.MethodHead, "/x", nil), errorsx.NotFound.New("x"), "")
	if rec.Code != 404 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, body %q; want 404 and no body", rec.Code, rec.Body.String())
	}
	// Without a request it still answers.
	rec = httptest.NewRecorder()
	errorsx.WriteProblem(rec, nil, errorsx.Unavailable.New("x"), "ref")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"reference_id":"ref"`) {
		t.Errorf("nil request: status %d, body %s", rec.Code, rec.Body.String())
	}
}

func TestSecretNeverLeaves(t *testing.T) {
	const secret = "tok-9f8e7d"
	err := errorsx.Wrap(errorsx.Unauthenticated.New("bad token", "token", errorsx.Secret(secret)), "auth",
		slog.Any("api_key", errorsx.Secret(secret)), "nested", errorsx.Secret(map[string]string{"k": secret}))
	rec := httptest.NewRecorder()
	errorsx.WriteProblem(rec, nil, err, "")
	outputs := map[string]string{
		"Error()":  err.Error(),
		"%v":       fmt.Sprintf("%v", err),
		"%+v":      fmt.Sprintf("%+v", err),
		"%#v":      fmt.Sprintf("%#v", errorsx.FieldsOf(err)),
		"zap":      string(zapJSON(t, errorsx.Zap(err))),
		"zap.Any":  string(zapJSON(t, zap.Any("fields", errorsx.FieldsOf(err)))),
		"slog":     string(slogJSON(t, errorsx.Attr(err))),
		"problem":  rec.Body.String(),
		"json":     mustJSON(t, errorsx.FieldsOf(err)),
		"Sprint":   fmt.Sprint(errorsx.FieldsOf(err)),
		"slog.Any": string(slogJSON(t, slog.Any("v", errorsx.Secret(secret)))),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("%s reveals the secret: %s", name, out)
		}
	}
	if !strings.Contains(outputs["%+v"], "token: [REDACTED]") {
		t.Errorf("%%+v does not show the redacted field:\n%s", outputs["%+v"])
	}
	// The process itself can still use the value.
	for _, f := range errorsx.FieldsOf(err) {
		if f.Key == "token" {
			if v := f.Value.(errorsx.SecretValue).Reveal(); v != secret {
				t.Errorf("Reveal() = %v", v)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
