package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// quiet is the environment of a service that reports to a temporary
// outbox and exports no spans.
func quiet(t *testing.T, env ...string) []string {
	return append([]string{"SUPPORTKIT_OUTBOX=" + t.TempDir(), "SENTRY_DSN=", "OTEL_SDK_DISABLED=true"}, env...)
}

// closedAfter reads conn until the server closes it and returns how long
// that took, or fails after limit.
func closedAfter(t *testing.T, conn net.Conn, r io.Reader, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", limit)
	}
	return time.Since(start)
}

// TestIdleConnectionClosed: a keep-alive connection left idle is closed
// after SUPPORTKIT_IDLE_TIMEOUT.
func TestIdleConnectionClosed(t *testing.T) {
	svc := servicetest.Start(t, servicetest.Build(t, ""), servicetest.Options{Env: quiet(t, "SUPPORTKIT_IDLE_TIMEOUT=300ms", "SUPPORTKIT_DRAIN_DELAY=0s")})
	conn, err := net.Dial("tcp", svc.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /hello HTTP/1.1\r\nHost: service\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("GET /hello: %s, close=%v; want 200 on a kept-alive connection", res.Status, res.Close)
	}
	if d := closedAfter(t, conn, br, 10*time.Second); d < 200*time.Millisecond {
		t.Errorf("idle connection closed after %v, before the idle timeout", d)
	}
}

// TestSlowBodyCut: a client that sends its body a byte at a time is cut
// off at SUPPORTKIT_READ_TIMEOUT instead of holding its connection.
func TestSlowBodyCut(t *testing.T) {
	svc := servicetest.Start(t, servicetest.Build(t, ""), servicetest.Options{Env: quiet(t, "SUPPORTKIT_READ_TIMEOUT=500ms", "SUPPORTKIT_DRAIN_DELAY=0s")})
	conn, err := net.Dial("tcp", svc.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	// 1000 bytes at one per 20ms would take 20s.
	if _, err := io.WriteString(conn, "POST /hello HTTP/1.1\r\nHost: service\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stopTrickle := make(chan struct{})
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for range 1000 {
			select {
			case <-stopTrickle:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	defer func() { close(stopTrickle); <-trickled }()
	closedAfter(t, conn, conn, 10*time.Second)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("slow body held the connection for %v, want it cut at the 500ms read timeout", d)
	}
}

// slowRequest starts GET path and returns once the request is written,
// with a channel that gets its outcome.
func slowRequest(t *testing.T, url string) <-chan error {
	t.Helper()
	written := make(chan struct{})
	out := make(chan error, 1)
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(written) }})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err == nil && res.StatusCode != http.StatusOK {
				err = errors.New(res.Status)
			}
		}
		out <- err
	}()
	select {
	case <-written:
	case err := <-out:
		t.Fatalf("request failed before it was sent: %v", err)
	}
	return out
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestSIGTERMWithRequestInFlight: SIGTERM while a request runs; the request
// completes, then the service exits 0.
func TestSIGTERMWithRequestInFlight(t *testing.T) {
	svc := servicetest.Start(t, servicetest.Build(t, ""), servicetest.Options{Env: quiet(t, "SUPPORTKIT_DRAIN_DELAY=200ms")})
	res := slowRequest(t, svc.URL+"/slow?d=1500ms")
	if err := svc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err, ok := svc.Wait(20 * time.Second)
	if !ok {
		t.Fatalf("no exit within 20s of SIGTERM\n%s", svc.Stderr())
	}
	select {
	case rerr := <-res:
		if rerr != nil {
			t.Errorf("the request in flight failed: %v", rerr)
		}
	default:
		t.Error("the service exited before the request in flight was answered")
	}
	if code := exitCode(err); code != 0 {
		t.Errorf("exit code %d, want 0\n%s", code, svc.Stderr())
	}
}

// TestSecondSignalCutsShort: a second SIGTERM during a 30s drain delay
// cuts the shutdown short: the service exits at once with 1, saying so.
func TestSecondSignalCutsShort(t *testing.T) {
	svc := servicetest.Start(t, servicetest.Build(t, ""), servicetest.Options{Env: quiet(t, "SUPPORTKIT_DRAIN_DELAY=30s", "SUPPORTKIT_SHUTDOWN_TIMEOUT=90s")})
	if err := svc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.WaitLog(t.Context(), 10*time.Second, func(l map[string]any) bool { return l["msg"] == "shutdown: draining" }); err != nil {
		t.Fatalf("no draining line: %v\n%s", err, svc.Stderr())
	}
	start := time.Now()
	if err := svc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err, ok := svc.Wait(10 * time.Second)
	if !ok {
		t.Fatalf("still running 10s after the second SIGTERM\n%s", svc.Stderr())
	}
	if code := exitCode(err); code != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("exit code %d after %v, want 1 at once\n%s", code, time.Since(start), svc.Stderr())
	}
	if !strings.Contains(svc.Stderr(), "shutdown cut short by a second") {
		t.Errorf("the exit message does not say the shutdown was cut short:\n%s", svc.Stderr())
	}
}

// TestHungRequestCutByClose: a request that outlives the HTTP shutdown's
// budget is cut by srv.Close; the service exits within the total budget,
// with 1, and logs the phase that ran out.
func TestHungRequestCutByClose(t *testing.T) {
	const total = 2 * time.Second
	svc := servicetest.Start(t, servicetest.Build(t, ""), servicetest.Options{Env: quiet(t, "SUPPORTKIT_DRAIN_DELAY=50ms", "SUPPORTKIT_SHUTDOWN_TIMEOUT="+total.String())})
	res := slowRequest(t, svc.URL+"/slow?d=10s")
	start := time.Now()
	if err := svc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err, ok := svc.Wait(20 * time.Second)
	took := time.Since(start)
	if !ok {
		t.Fatalf("no exit within 20s of SIGTERM\n%s", svc.Stderr())
	}
	if took > total+time.Second {
		t.Errorf("exited %v after SIGTERM, want within the %v budget", took, total)
	}
	if rerr := <-res; rerr == nil {
		t.Error("the hung request completed; want it cut")
	}
	if code := exitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1\n%s", code, svc.Stderr())
	}
	var phases []string
	for _, l := range svc.Logs() {
		if l["msg"] == "shutdown phase ran out of time" {
			phases = append(phases, l["phase"].(string))
		}
	}
	// The hung request must make the http phase run out. The later phases
	// have a quarter of a second each with this small total, which a
	// machine under heavy load can miss too; they are not what this test
	// is about.
	if len(phases) == 0 || phases[0] != "http" {
		t.Errorf("phases that ran out %q, want the http phase first\n%s", phases, svc.Stderr())
	}
	if !strings.Contains(svc.Stderr(), "service: shutdown: the http") {
		t.Errorf("the exit message does not name the phase:\n%s", svc.Stderr())
	}
}

// TestUnwritableOutbox: with an outbox that cannot be created, the service
// TestUnwritableOutbox: a read-only root file system (here: a file where
// the outbox directory should be) does not stop the service. It starts,
// says once that reports cannot be kept, serves, answers failures with a
// reference, and shuts down cleanly.
func TestUnwritableOutbox(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	svc := servicetest.Start(t, servicetest.Build(t, ""), servicetest.Options{Env: []string{
		"SUPPORTKIT_OUTBOX=" + notDir, "SENTRY_DSN=", "OTEL_SDK_DISABLED=true", "SUPPORTKIT_DRAIN_DELAY=0s"}})
	res, err := http.Get("http://" + svc.Addr + "/fail")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "reference_id") {
		t.Errorf("/fail = %d %s, want 500 with a reference", res.StatusCode, body)
	}
	if err := svc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err, ok := svc.Wait(20 * time.Second); !ok || err != nil {
		t.Errorf("exit: %v (finished: %v), want 0", err, ok)
	}
	var warnings []string
	for _, l := range svc.Logs() {
		if l["level"] == "warn" && strings.Contains(fmt.Sprint(l["msg"]), "outbox") {
			warnings = append(warnings, fmt.Sprint(l["msg"]))
		}
	}
	if len(warnings) != 1 || strings.Contains(svc.Stderr(), "panic") {
		t.Errorf("outbox warnings %q, want exactly one and no panic; stderr:\n%s", warnings, svc.Stderr())
	}
}
