// Package otlptest starts, for end-to-end tests, the OTLP receiver that
// .ci/setup.d/otlp-receiver.sh installs: the OpenTelemetry Collector's
// otlpreceiver, listening on 127.0.0.1 for OTLP/gRPC and OTLP/HTTP, writing
// each batch of spans and of metrics it gets as one OTLP JSON line to a
// file.
package otlptest

import (
	"bufio"
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
