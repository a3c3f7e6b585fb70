package supportkit_test

import (
	"encoding/json"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// TestQuickstart runs the README's quick start program (examples/quickstart):
// a NotFound answers 404 problem+json whose reference is on the request's
// warn log line, the probes answer, and SIGTERM ends it with exit 0.
func TestQuickstart(t *testing.T) {
	bin := servicetest.Build(t, "./examples/quickstart")
	addr := servicetest.FreeAddr(t)
	svc := servicetest.Start(t, bin, servicetest.Options{Addr: addr, Env: []string{
		"ADDR=" + addr, "XDG_CACHE_HOME=" + t.TempDir(), "SENTRY_DSN=", "OTEL_SDK_DISABLED=",
		"OTEL_TRACES_EXPORTER=", "OTEL_EXPORTER_OTLP_ENDPOINT=", "SUPPORTKIT_DRAIN_DELAY=",
	}})
	res, err := http.Get(svc.URL + "/orders/42")
	if err != nil {
		t.Fatal(err)
	}
	var problem struct {
		Status      int    `json:"status"`
		ReferenceID string `json:"reference_id"`
	}
	err = json.NewDecoder(res.Body).Decode(&problem)
	res.Body.Close()
	if err != nil || res.StatusCode != 404 || problem.ReferenceID == "" {
		t.Fatalf("GET /orders/42: %d %+v %v", res.StatusCode, problem, err)
	}
	line, err := svc.WaitLog(t.Context(), 5*time.Second, func(l map[string]any) bool { return l["msg"] == "request failed" })
	if err != nil {
		t.Fatal(err)
	}
	if line["reference_id"] != problem.ReferenceID || line["level"] != "warn" || line["trace_id"] != problem.ReferenceID {
		t.Errorf("log line %v: want level warn, reference_id and trace_id %s", line, problem.ReferenceID)
	}
	for _, p := range []string{"/livez", "/readyz", "/orders/1"} {
		res, err := http.Get(svc.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
	if err := svc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err, ok := svc.Wait(30 * time.Second); !ok || err != nil {
		t.Errorf("exit after SIGTERM: %v (exited: %v)\n%s", err, ok, svc.Stderr())
	}
}
