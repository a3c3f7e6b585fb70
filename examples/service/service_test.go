package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/supportkit/supportkit/internal/servicetest"
	outboxpkg "github.com/supportkit/supportkit/reporting/outbox"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestEndpoints runs the built service and checks what each endpoint
// answers, that each failure's reference ID leads to its report (the event
// ID) or its trace, and that the outbox holds exactly one report per
// reported failure.
func TestEndpoints(t *testing.T) {
	bin := servicetest.Build(t, "")
	outbox := t.TempDir()
	svc := servicetest.Start(t, bin, servicetest.Options{Env: []string{
		"SUPPORTKIT_OUTBOX=" + outbox, "SUPPORTKIT_DRAIN_DELAY=50ms", "SENTRY_DSN=",
		"OTEL_TRACES_EXPORTER=", "OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_SDK_DISABLED=",
	}})

	type answer struct {
		Status      int
		ContentType string
		Reference   string // "", "trace" or "event"
	}
	tests := []struct {
		method, path string
		want         answer
	}{
		{"GET", "/hello", answer{200, "application/json", ""}},
		{"GET", "/orders/1", answer{200, "application/json", ""}},
		{"GET", "/orders/42", answer{404, "application/problem+json", "trace"}},
		{"GET", "/fail", answer{500, "application/problem+json", "event"}},
		{"GET", "/panic", answer{500, "application/problem+json", "event"}},
		{"GET", "/panic/goroutine", answer{202, "application/json", ""}},
		{"GET", "/slow?d=10ms", answer{200, "application/json", ""}},
		{"GET", "/slow?d=forever", answer{400, "application/problem+json", "trace"}},
		{"POST", "/crash", answer{404, "text/plain; charset=utf-8", ""}}, // only with -crash-monitor
		{"GET", "/livez", answer{200, "text/plain; charset=utf-8", ""}},
		{"GET", "/readyz", answer{200, "text/plain; charset=utf-8", ""}},
		{"GET", "/startupz", answer{200, "text/plain; charset=utf-8", ""}},
		{"GET", "/healthz", answer{200, "text/plain; charset=utf-8", ""}},
		{"GET", "/metrics", answer{200, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores", ""}},
		{"GET", "/readyz?verbose", answer{200, "application/health+json", ""}},
	}
	var eventIDs []string
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			traceID := newTraceID()
			req, err := http.NewRequest(tt.method, svc.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			got := answer{Status: res.StatusCode, ContentType: res.Header.Get("Content-Type")}

			var problem struct {
				Status      int    `json:"status"`
				ReferenceID string `json:"reference_id"`
			}
			if strings.HasPrefix(got.ContentType, "application/problem+json") {
				if err := json.Unmarshal(body, &problem); err != nil {
					t.Fatalf("problem body %s: %v", body, err)
				}
				switch {
				case problem.ReferenceID == traceID:
					got.Reference = "trace"
				case hex32.MatchString(problem.ReferenceID):
					got.Reference = "event"
					eventIDs = append(eventIDs, problem.ReferenceID)
				}
				// The same reference is in the request's log line.
				if _, err := svc.WaitLog(t.Context(), 3*time.Second, func(l map[string]any) bool {
					return l["reference_id"] == problem.ReferenceID || l["event_id"] == problem.ReferenceID
				}); err != nil {
					t.Errorf("no log line with reference %s: %v", problem.ReferenceID, err)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer mismatch (-want +got):\n%s\nbody: %s", diff, body)
			}
		})
	}

	// The goroutine's panic is reported after the answer: wait for its log
	// line, which carries its event ID.
	line, err := svc.WaitLog(t.Context(), 5*time.Second, func(l map[string]any) bool { return l["msg"] == "panic in goroutine" })
	if err != nil {
		t.Fatal(err)
	}
	eventIDs = append(eventIDs, line["event_id"].(string))

	svc.Stop(t)
	if err, _ := svc.Wait(time.Second); err != nil {
		t.Errorf("service exit: %v\n%s", err, svc.Stderr())
	}

	entries, err := os.ReadDir(outbox)
	if err != nil {
		t.Fatal(err)
	}
	var inOutbox []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".envelope") {
			continue // the outbox's own areas and lock files
		}
		data, err := os.ReadFile(filepath.Join(outbox, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		env, err := outboxpkg.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		inOutbox = append(inOutbox, env.EventID())
	}
	slices.Sort(eventIDs)
	slices.Sort(inOutbox)
	if diff := cmp.Diff(eventIDs, inOutbox); diff != "" {
		t.Errorf("outbox mismatch: want one report per reported failure (-answered +outbox):\n%s", diff)
	}
}

// TestDemo runs -demo, as the README and CI do: it must exit 0 and print a
// block for each endpoint.
func TestDemo(t *testing.T) {
	bin := servicetest.Build(t, "")
	cmd := exec.Command(bin, "-demo")
	cmd.Env = append(os.Environ(), "SUPPORTKIT_OUTBOX="+t.TempDir(), "SENTRY_DSN=", "OTEL_TRACES_EXPORTER=", "OTEL_EXPORTER_OTLP_ENDPOINT=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("-demo: %v\n%s", err, out)
	}
	for _, s := range demoSteps {
		if !strings.Contains(string(out), "== "+s.method+" "+s.path+":") {
			t.Errorf("no block for %s %s in:\n%s", s.method, s.path, out)
		}
	}
	if !strings.Contains(string(out), "== POST /crash:") || !strings.Contains(string(out), "level fatal") {
		t.Errorf("no fatal crash report for POST /crash in:\n%s", out)
	}
	if n := strings.Count(string(out), "   report        "); n != 5 {
		t.Errorf("%d reports printed, want 5 (fail, panic, panic in goroutine, slow request, crash):\n%s", n, out)
	}
	// The slow request's block names its snapshot's files and sizes.
	_, slow, _ := strings.Cut(string(out), "== GET /slow?d=1200ms:")
	slow, _, _ = strings.Cut(slow, "\n== ")
	for _, f := range []string{"snapshot-", "trace-", "goroutines-", "heap-"} {
		if !regexp.MustCompile(`(?m)^   (attachments  |             ) ` + f + `\S+ +\d+ bytes`).MatchString(slow) {
			t.Errorf("the slow request's block names no %s file with its size:\n%s", f, slow)
		}
	}
	if !strings.Contains(slow, "slow request: GET /slow took ") || !strings.Contains(slow, "level warning") {
		t.Errorf("the slow request's block has no warning event titled with the route:\n%s", slow)
	}
}
