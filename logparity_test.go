package supportkit_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var hexID = regexp.MustCompile(`^[0-9a-f]{16,32}$`)

// failureLines serves a 4xx, a 5xx and a panic through a Service set up
// with opt and returns the log line of each, normalised: IDs become
// "<id>", the time and caller keys go, each stack frame keeps its
// function only.
func failureLines(t *testing.T, opt supportkit.Option, out *bytes.Buffer) map[string]map[string]any {
	t.Helper()
	r := newRig(t, opt)
	h := r.sk.Handler(app(r.sk))
	get(t, h, "GET", "/orders/42")
	get(t, h, "GET", "/fail")
	get(t, h, "GET", "/panic")
	r.flush(t)
	lines := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		var kind string
		switch {
		case m["msg"] == "request failed" && m["route"] == "GET /orders/{id}":
			kind = "4xx"
		case m["msg"] == "request failed" && m["route"] == "GET /fail":
			kind = "5xx"
		case m["msg"] == "panic in HTTP handler":
			kind = "panic"
		default:
			continue
		}
		for _, k := range []string{"ts", "time", "caller", "source"} {
			delete(m, k)
		}
		m["level"] = strings.ToLower(m["level"].(string))
		for k, v := range m {
			if s, ok := v.(string); ok && hexID.MatchString(s) {
				m[k] = "<id>"
			}
		}
		if e, ok := m["error"].(map[string]any); ok {
			if st, ok := e["stack"].([]any); ok {
				var fns []any
				for _, f := range st {
					fns = append(fns, f.(map[string]any)["function"])
				}
				e["stack"] = fns
			}
		}
		lines[kind] = m
	}
	return lines
}

// TestLogParity: for the same failure, the zap JSON line and the slog
// JSON line carry the same keys and the same structured error object
// (issue 14, point 5); each is pinned by a golden file.
func TestLogParity(t *testing.T) {
	var zapOut, slogOut bytes.Buffer
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	zapLines := failureLines(t, supportkit.WithLogger(zap.New(zapcore.NewCore(enc, zapcore.AddSync(&zapOut), zap.InfoLevel), zap.AddCaller())), &zapOut)
	slogLines := failureLines(t, supportkit.WithSlogLogger(slog.New(slog.NewJSONHandler(&slogOut, &slog.HandlerOptions{AddSource: true}))), &slogOut)

	if diff := cmp.Diff(zapLines, slogLines); diff != "" {
		t.Errorf("zap and slog lines differ (-zap +slog):\n%s", diff)
	}
	for name, got := range map[string]map[string]map[string]any{"zap": zapLines, "slog": slogLines} {
		// The golden keeps the frame where the error started: the frames
		// above it change with the middleware chain, not with the line.
		for _, m := range got {
			if e, ok := m["error"].(map[string]any); ok {
				if st, ok := e["stack"].([]any); ok && len(st) > 0 {
					e["stack"] = st[:1]
				}
			}
		}
		if len(got) != 3 {
			t.Errorf("%s: want a line for the 4xx, the 5xx and the panic, got %v", name, got)
		}
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "logs", name+".golden.json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if diff := cmp.Diff(string(want), string(b)+"\n"); diff != "" {
			t.Errorf("%s lines mismatch with %s (-want +got):\n%s", name, path, diff)
		}
	}
}
