// Package otlptest starts, for end-to-end tests, the OTLP receiver that
// .ci/setup.d/otlp-receiver.sh installs: the OpenTelemetry Collector's
// otlpreceiver, listening on 127.0.0.1 for OTLP/gRPC and OTLP/HTTP, writing
// each batch of spans and of metrics it gets as one OTLP JSON line to a
// file.
package otlptest

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// Bin is where .ci/setup.d/otlp-receiver.sh installs the receiver; the
// SUPPORTKIT_OTLP_RECEIVER variable overrides it.
const Bin = "/usr/local/bin/supportkit-otlp-receiver"

// Receiver is a running receiver.
type Receiver struct {
	// GRPC and HTTP are its host:port on 127.0.0.1.
	GRPC, HTTP string
	// Spans and Metrics are the files it appends OTLP JSON lines to.
	Spans, Metrics string
}

// Start runs the receiver on two free ports of 127.0.0.1, waits until it
// is ready, and stops it with SIGTERM when the test ends. It fails the test
// when the receiver is not installed.
func Start(t testing.TB) *Receiver {
	t.Helper()
	bin := os.Getenv("SUPPORTKIT_OTLP_RECEIVER")
	if bin == "" {
		bin = Bin
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the OTLP receiver is not installed (%v): run .ci/setup.d/otlp-receiver.sh, or set SUPPORTKIT_OTLP_RECEIVER to its path", err)
	}
	dir := t.TempDir()
	r := &Receiver{
		GRPC: servicetest.FreeAddr(t), HTTP: servicetest.FreeAddr(t),
		Spans: filepath.Join(dir, "spans.jsonl"), Metrics: filepath.Join(dir, "metrics.jsonl"),
	}
	cmd := exec.Command(bin, "-grpc", r.GRPC, "-http", r.HTTP, "-out", r.Spans, "-metrics-out", r.Metrics)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if sc.Text() == "ready" {
				ok = true
				break
			}
		}
		ready <- ok
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("the OTLP receiver did not stop within 15s of SIGTERM")
		}
	})
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("the OTLP receiver exited before it was ready:\n%s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the OTLP receiver was not ready within 30s:\n%s", stderr.String())
	}
	return r
}

// Span is what the tests read back of a span the receiver wrote.
type Span struct {
	Service      string // the resource's service.name
	Name         string
	TraceID      string
	ParentSpanID string
	Kind         int    // 2 server, 3 client
	Status       int    // 0 unset, 1 ok, 2 error
	Description  string // the status description
	// Attributes holds the span's string and integer attributes, as text.
	Attributes map[string]string
	// Exceptions counts the span's "exception" events.
	Exceptions int
}

// kv is an OTLP JSON attribute; integers are written as strings.
type kv struct {
	Key   string `json:"key"`
	Value struct {
		StringValue string `json:"stringValue"`
		IntValue    string `json:"intValue"`
	} `json:"value"`
}

// ReadSpans returns the spans the receiver has written so far, in the
// order it wrote them. It fails the test on a line that is not OTLP JSON.
func (r *Receiver) ReadSpans(t testing.TB) []Span {
	t.Helper()
	data, err := os.ReadFile(r.Spans)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []Span
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var batch struct {
			ResourceSpans []struct {
				Resource struct {
					Attributes []kv `json:"attributes"`
				} `json:"resource"`
				ScopeSpans []struct {
					Spans []struct {
						TraceID      string `json:"traceId"`
						ParentSpanID string `json:"parentSpanId"`
						Name         string `json:"name"`
						Kind         int    `json:"kind"`
						Attributes   []kv   `json:"attributes"`
						Events       []struct {
							Name string `json:"name"`
						} `json:"events"`
						Status struct {
							Code    int    `json:"code"`
							Message string `json:"message"`
						} `json:"status"`
					} `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		}
		if err := json.Unmarshal([]byte(line), &batch); err != nil {
			t.Fatalf("the receiver wrote a line that is not OTLP JSON: %v\n%s", err, line)
		}
		for _, rs := range batch.ResourceSpans {
			service := ""
			for _, a := range rs.Resource.Attributes {
				if a.Key == "service.name" {
					service = a.Value.StringValue
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					sp := Span{Service: service, Name: s.Name, TraceID: s.TraceID, ParentSpanID: s.ParentSpanID,
						Kind: s.Kind, Status: s.Status.Code, Description: s.Status.Message, Attributes: map[string]string{}}
					for _, a := range s.Attributes {
						sp.Attributes[a.Key] = a.Value.StringValue + a.Value.IntValue
					}
					for _, e := range s.Events {
						if e.Name == "exception" {
							sp.Exceptions++
						}
					}
					out = append(out, sp)
				}
			}
		}
	}
	return out
}
