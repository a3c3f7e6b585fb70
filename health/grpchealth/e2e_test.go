//go:build e2e

package grpchealth_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/grpchealth"
)

// grpc-health-probe's exit codes.
const (
	probeServing           = 0
	probeConnectionFailure = 2
	probeRPCFailure        = 3
	probeUnhealthy         = 4
)

// TestE2EGRPCHealthProbe runs grpc-health-probe, what Kubernetes users run
// as an exec probe (.ci/setup.d/grpc-health-probe.sh installs it), against
// the gRPC health server through pass, fail, recover and drain, and
// checks its exit codes for each service a Kubernetes probe names.
func TestE2EGRPCHealthProbe(t *testing.T) {
	bin := findProbe(t)
	var dbDown atomic.Bool
	db := health.CheckFunc(func(context.Context) error {
		if dbDown.Load() {
			return errors.New("connection refused")
		}
		return nil
	})
	r, err := health.Setup(context.Background(), health.WithDrainDelay(500*time.Millisecond),
		health.WithCheck("db", db, health.Every(10*time.Millisecond), health.For(health.Readiness|health.Startup)),
		health.WithCheck("proc", health.CheckFunc(func(context.Context) error { return nil }), health.For(health.Liveness)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	waitReadiness(t, r, health.StatusPass)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	gs := grpc.NewServer()
	grpchealth.Register(gs, r)
	served := make(chan error, 1)
	go func() { served <- gs.Serve(ln) }()
	t.Cleanup(gs.Stop)

	services := []string{"", "readiness", "liveness", "startup", "db", "nope"}
	probeAll := func() []int {
		var codes []int
		for _, s := range services {
			codes = append(codes, probe(t, bin, addr, s))
		}
		return codes
	}
	step := func(name string, want []int) {
		t.Helper()
		if diff := cmp.Diff(want, probeAll()); diff != "" {
			t.Errorf("%s: exit codes for services %q mismatch (-want +got):\n%s", name, services, diff)
		}
	}

	step("pass", []int{probeServing, probeServing, probeServing, probeServing, probeServing, probeRPCFailure})

	dbDown.Store(true)
	waitReadiness(t, r, health.StatusFail)
	// Startup has passed once and stays passed; liveness does not follow
	// the dependency.
	step("fail", []int{probeUnhealthy, probeUnhealthy, probeServing, probeServing, probeUnhealthy, probeRPCFailure})

	dbDown.Store(false)
	waitReadiness(t, r, health.StatusPass)
	step("recover", []int{probeServing, probeServing, probeServing, probeServing, probeServing, probeRPCFailure})

	// Drain's first step: readiness fails, liveness passes, so that
	// Kubernetes takes the pod out of the Service without restarting it.
	r.MarkDraining()
	step("draining", []int{probeUnhealthy, probeUnhealthy, probeServing, probeServing, probeServing, probeRPCFailure})
	if err := r.Drain(context.Background(), nil); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	gs.GracefulStop()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if got := probe(t, bin, addr, ""); got != probeConnectionFailure {
		t.Errorf("after GracefulStop: exit code %d, want %d (connection failure)", got, probeConnectionFailure)
	}
}

func findProbe(t *testing.T) string {
	for _, name := range []string{"grpc-health-probe", "grpc_health_probe"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/local/bin/grpc-health-probe"); err == nil {
		return "/usr/local/bin/grpc-health-probe"
	}
	t.Fatal("grpc-health-probe not found: run .ci/setup.d/grpc-health-probe.sh")
	return ""
}

// probe runs grpc-health-probe for service and returns its exit code.
func probe(t *testing.T, bin, addr, service string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr="+addr, "-service="+service, "-connect-timeout=5s", "-rpc-timeout=5s")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		t.Logf("grpc-health-probe -service=%q: exit %d: %s", service, exit.ExitCode(), out)
		return exit.ExitCode()
	}
	t.Fatalf("grpc-health-probe: %v: %s", err, out)
	return -1
}

func waitReadiness(t *testing.T, r *health.Registry, want health.Status) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for s := r.Snapshot(); s.Status(health.Readiness) != want; s = r.Snapshot() {
		select {
		case <-s.Next():
		case <-timeout:
			t.Fatalf("readiness still %v after 10s, want %v", s.Status(health.Readiness), want)
		}
	}
}
