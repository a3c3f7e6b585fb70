package servicetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles ./examples/service (or another package of this module,
// given as a path relative to the module root) into a temporary directory
// and returns the binary's path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	if pkg == "" {
		pkg = "./examples/service"
	}
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

func moduleRoot(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find module root")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Service is a running instance of a service binary.
type Service struct {
	// Addr is the host:port it listens on; URL is "http://" + Addr.
	Addr, URL string
	Cmd       *exec.Cmd

	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	err    error
}

// Options says how to start a service.
type Options struct {
	Args []string // extra arguments; -addr is added
	Env  []string // added to the test's environment; SUPPORTKIT_OUTBOX defaults to a temporary directory
	// Addr is the address to listen on; empty picks a free port.
	Addr string
	// Ready is the path polled until it answers (any status); default /livez.
	Ready string
	// Under is a command line the service runs under, such as
	// {"unshare", "--pid", "--fork", "--mount-proc", "tini", "-s", "--"}:
	// its words come first, then the binary and its arguments. Signals go
	// to the first program of Under.
	Under []string
}

// FreeAddr returns a 127.0.0.1 address with a port free at the time of the
// call.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Start runs bin with opts, waits until it answers HTTP, and stops it with
// SIGTERM (then SIGKILL after 15 s) when the test ends.
func Start(t testing.TB, bin string, opts Options) *Service {
	t.Helper()
	s := startProcess(t, bin, opts)
	t.Cleanup(func() { s.Stop(t) })
	ready := opts.Ready
	if ready == "" {
		ready = "/livez"
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + ready)
		if err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("service exited before answering: %v\nstderr:\n%s", s.err, s.Stderr())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not answer %s within 30s: %v\nstderr:\n%s", ready, err, s.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startProcess(t testing.TB, bin string, opts Options) *Service {
	addr := opts.Addr
	if addr == "" {
		addr = FreeAddr(t)
	}
	s := &Service{Addr: addr, URL: "http://" + addr, done: make(chan struct{})}
	argv := append(append(append([]string(nil), opts.Under...), bin, "-addr", addr), opts.Args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), opts.Env...)
	if !slices.ContainsFunc(opts.Env, func(kv string) bool { return strings.HasPrefix(kv, "SUPPORTKIT_OUTBOX=") }) {
		// Never write reports into the user's own outbox.
		cmd.Env = append(cmd.Env, "SUPPORTKIT_OUTBOX="+t.TempDir())
	}
	cmd.Stdout = lockedWriter{&s.mu, &s.stdout}
	cmd.Stderr = lockedWriter{&s.mu, &s.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	s.Cmd = cmd
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.done)
	}()
	return s
}

// Signal sends sig to the service.
func (s *Service) Signal(sig os.Signal) error { return s.Cmd.Process.Signal(sig) }

// Wait waits up to timeout for the service to exit and returns its exit
// error (nil for exit status 0).
func (s *Service) Wait(timeout time.Duration) (error, bool) {
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// Stop sends SIGTERM, waits up to 15 s, then kills. It is safe to call more
// than once and after the service has exited.
func (s *Service) Stop(t testing.TB) {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	if _, ok := s.Wait(15 * time.Second); !ok {
		_ = s.Cmd.Process.Kill()
		<-s.done
		t.Errorf("service %s did not stop within 15s of SIGTERM", s.Addr)
	}
}

// Stdout and Stderr return what the service has printed so far.
func (s *Service) Stdout() string { s.mu.Lock(); defer s.mu.Unlock(); return s.stdout.String() }

// Stderr returns what the service has written to standard error so far.
func (s *Service) Stderr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.stderr.String() }

// Logs returns the JSON log lines the service has written to standard
// error so far, decoded; other lines are skipped.
func (s *Service) Logs() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s.Stderr()))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// WaitLog waits up to timeout for a log line for which match is true.
func (s *Service) WaitLog(ctx context.Context, timeout time.Duration, match func(map[string]any) bool) (map[string]any, error) {
	deadline := time.Now().Add(timeout)
	for {
		for _, l := range s.Logs() {
			if match(l) {
				return l, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no matching log line within %v", timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
