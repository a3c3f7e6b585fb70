package supportkit_test

import (
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// TestSlogOnlyExample runs examples/slog, a service that imports no zap:
// its lines are slog's JSON, a 4xx line carries the trace ID as its
// reference, a 5xx line the event ID, and the request's own line the
// trace ID (issue 14, point 6).
func TestSlogOnlyExample(t *testing.T) {
	src, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", "./examples/slog").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), "go.uber.org/zap") {
		t.Fatalf("examples/slog imports zap: %s", src)
	}

	bin := servicetest.Build(t, "./examples/slog")
	addr := servicetest.FreeAddr(t)
	svc := servicetest.Start(t, bin, servicetest.Options{Addr: addr, Env: []string{
		"ADDR=" + addr, "XDG_CACHE_HOME=" + t.TempDir(), "SENTRY_DSN=", "OTEL_SDK_DISABLED=",
		"OTEL_TRACES_EXPORTER=", "OTEL_EXPORTER_OTLP_ENDPOINT=",
	}})
	for _, p := range []string{"/orders/42", "/fail"} {
		res, err := http.Get(svc.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	warn, err := svc.WaitLog(t.Context(), 5*time.Second, func(l map[string]any) bool {
		return l["msg"] == "request failed" && l["level"] == "WARN"
	})
	if err != nil {
		t.Fatal(err)
	}
	if warn["reference_id"] == nil || warn["reference_id"] != warn["trace_id"] {
		t.Errorf("4xx line %v: want reference_id = trace_id", warn)
	}
	errLine, err := svc.WaitLog(t.Context(), 5*time.Second, func(l map[string]any) bool {
		return l["msg"] == "request failed" && l["level"] == "ERROR"
	})
	if err != nil {
		t.Fatal(err)
	}
	if errLine["event_id"] == nil || errLine["reference_id"] != errLine["event_id"] {
		t.Errorf("5xx line %v: want reference_id = event_id", errLine)
	}
	if _, ok := errLine["error"].(map[string]any); !ok {
		t.Errorf("5xx line %v: want the error as an object", errLine)
	}
	info, err := svc.WaitLog(t.Context(), 5*time.Second, func(l map[string]any) bool { return l["msg"] == "looking up order" })
	if err != nil {
		t.Fatal(err)
	}
	if info["trace_id"] != warn["trace_id"] {
		t.Errorf("the request's own line %v does not carry its trace ID %v", info, warn["trace_id"])
	}
	if err := svc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err, ok := svc.Wait(30 * time.Second); !ok || err != nil {
		t.Errorf("exit: %v (exited %v)\n%s", err, ok, svc.Stderr())
	}
}
