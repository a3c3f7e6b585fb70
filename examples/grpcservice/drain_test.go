package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// process is the service run as a program of its own.
type process struct {
	cmd    *exec.Cmd
	exited chan error
	stderr *strings.Builder
}

// start runs the service on a free port of 127.0.0.1 with env and waits
// until it listens; it is killed when the test ends if still running.
func start(t *testing.T, env ...string) (*process, string) {
	t.Helper()
	bin := servicetest.Build(t, "./examples/grpcservice")
	addr := servicetest.FreeAddr(t)
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = append(os.Environ(), append([]string{"SUPPORTKIT_OUTBOX=" + t.TempDir(), "OTEL_TRACES_EXPORTER=none"}, env...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, exited: make(chan error, 1), stderr: &strings.Builder{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening on ") {
				ok = true
				break
			}
		}
		listening <- ok
		_, _ = io.Copy(io.Discard, stdout)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
		}
	})
	if !<-listening {
		t.Fatalf("the service did not start:\n%s", p.stderr)
	}
	return p, addr
}

// TestDrain: a client streaming during SIGTERM sees readiness turn
// NOT_SERVING, then its stream finishes, then the server stops; no call
// that started before the drain fails, and the process exits 0.
func TestDrain(t *testing.T) {
	p, addr := start(t, "SUPPORTKIT_DRAIN_DELAY=1s", "SUPPORTKIT_WATCH_INTERVAL=400ms")
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// What happened, in the order the test saw it.
	seen := make(chan string, 32)

	health, err := healthpb.NewHealthClient(cc).Watch(ctx, &healthpb.HealthCheckRequest{Service: "readiness"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		res, err := health.Recv()
		if err != nil {
			t.Fatalf("health watch: %v", err)
		}
		if res.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
	}
	go func() {
		for {
			res, err := health.Recv()
			if err != nil {
				return
			}
			seen <- "readiness " + res.GetStatus().String()
		}
	}()

	next, err := watchOrder(ctx, cc, "1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next(); err != nil {
		t.Fatalf("first update: %v", err)
	}
	slow := make(chan error, 1)
	go func() { _, err := call(ctx, cc, "Slow", "1200ms"); slow <- err }()
	streamDone := make(chan error, 1)
	go func() {
		n := 1
		for {
			_, err := next()
			if errors.Is(err, io.EOF) {
				seen <- "stream finished"
				if n != len(watchSteps) {
					err = errors.New("the stream ended early")
				} else {
					err = nil
				}
				streamDone <- err
				return
			}
			if err != nil {
				streamDone <- err
				return
			}
			n++
		}
	}()

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-streamDone; err != nil {
		t.Errorf("the stream open during the drain failed: %v", err)
	}
	if err := <-slow; err != nil {
		t.Errorf("the call in flight during the drain failed: %v", err)
	}
	select {
	case err := <-p.exited:
		seen <- "server stopped"
		if err != nil {
			t.Errorf("exit: %v\nstderr:\n%s", err, p.stderr)
		}
	case <-ctx.Done():
		t.Fatalf("the service did not stop\nstderr:\n%s", p.stderr)
	}
	close(seen)
	var got []string
	for s := range seen {
		got = append(got, s)
	}
	want := []string{"readiness NOT_SERVING", "stream finished", "server stopped"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("drain order mismatch (-want +got):\n%s\nstderr:\n%s", diff, p.stderr)
	}
}
