package supportkit_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
	"github.com/supportkit/supportkit/tracing"
)

// keptSpans is an in-memory exporter whose spans outlive the provider's
// shutdown (tracetest's forgets them then).
type keptSpans struct{ *tracetest.InMemoryExporter }

func (keptSpans) Shutdown(context.Context) error { return nil }

// rig is a Service set up for a test: its events, spans and log lines are
// kept in memory.
type rig struct {
	sk     *supportkit.Service
	events *reportingtest.Transport
	spans  *tracetest.InMemoryExporter
	logs   *observer.ObservedLogs
}

// newRig sets up a Service that keeps what it produces in memory; extra
// options come last. It is shut down when the test ends (a test may shut
// it down first, to flush).
func newRig(t *testing.T, extra ...supportkit.Option) *rig {
	t.Helper()
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	core, logs := observer.New(zap.DebugLevel)
	r := &rig{events: reportingtest.NewTransport(), spans: tracetest.NewInMemoryExporter(), logs: logs}
	opts := append([]supportkit.Option{
		supportkit.WithServiceName("rig"),
		supportkit.WithLogger(zap.New(core, zap.AddCaller())),
		supportkit.WithReporting(
			reporting.WithDSN(""), reporting.WithEnvironment("test"), reporting.WithRelease("rig@1"),
			reporting.WithOutbox(t.TempDir(), 0), reporting.WithTransport(r.events)),
		supportkit.WithTracing(tracing.WithSpanExporter(keptSpans{r.spans})),
		supportkit.WithHealth(health.WithDrainDelay(time.Millisecond)),
	}, extra...)
	sk, err := supportkit.Setup(context.Background(), opts...)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	r.sk = sk
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sk.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return r
}

// flush shuts the service down, so that every span and event produced so
// far is exported.
func (r *rig) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.sk.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// answer is what a client got.
type answer struct {
	status      int
	contentType string
	problem     map[string]any
}

// get sends a request through h and decodes a problem+json answer.
func get(t *testing.T, h http.Handler, method, target string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, contentType: rec.Header().Get("Content-Type")}
	if a.contentType == "application/problem+json" {
		b, _ := io.ReadAll(rec.Body)
		if err := json.Unmarshal(b, &a.problem); err != nil {
			t.Fatalf("%s %s: problem body %q: %v", method, target, b, err)
		}
	}
	return a
}

// spanNamed returns the one span named name.
func spanNamed(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name)
		}
		t.Fatalf("want one span named %q, got %d among %q", name, len(found), names)
	}
	return found[0]
}

// logsWith returns the log lines whose message is msg.
func logsWith(logs *observer.ObservedLogs, msg string) []observer.LoggedEntry {
	return logs.FilterMessage(msg).All()
}
