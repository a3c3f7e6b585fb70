//go:build e2e

package reporting_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/internal/servicetest"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/internal/eventcheck"
)

// Sentry's Spotlight sidecar (installed by .ci/setup.d/spotlight.sh) is a
// Sentry-side receiver written by Sentry: it takes envelopes at
// /api/<project>/envelope/ as Sentry does and relays each, as it took it,
// to the Spotlight UI over the server-sent events of /stream. The test
// reads that stream, so what it checks is what Sentry's own tooling
// accepted.

// spotlightDir is where .ci/setup.d/spotlight.sh installs the sidecar.
func spotlightDir() string {
	if d := os.Getenv("SUPPORTKIT_SPOTLIGHT_DIR"); d != "" {
		return d
	}
	return "/opt/supportkit-spotlight"
}

// spotlightLoopback starts the sidecar with its server bound to 127.0.0.1:
// the sidecar itself listens on every interface and has no option to bind
// one. Once listening, it prints "listening " and its address as JSON.
const spotlightLoopback = `import net from "node:net";
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] !== null && typeof args[0] === "object") {
    args[0] = { ...args[0], host: "127.0.0.1" };
  } else if (typeof args[1] === "string" || (args.length > 1 && args[1] === undefined)) {
    args[1] = "127.0.0.1";
  } else {
    args.splice(1, 0, "127.0.0.1");
  }
  this.once("listening", () => {
    const a = this.address();
    process.stdout.write("listening " + JSON.stringify({ address: a.address, port: a.port }) + "\n");
  });
  return listen.apply(this, args);
};
const { setupSidecar } = await import(process.argv[2]);
setupSidecar({ port: Number(process.argv[3]), isStandalone: true });
`

// spotlight is a running sidecar and the events its stream relayed.
type spotlight struct {
	addr string

	mu     sync.Mutex
	events []wireEvent
}

func (s *spotlight) dsn() string { return "http://spotlightkey@" + s.addr + "/1" }

// startSpotlight starts the sidecar on a free port of 127.0.0.1, waits
// until it answers, subscribes to its stream and stops both when the test
// ends.
func startSpotlight(t *testing.T) *spotlight {
	t.Helper()
	main := filepath.Join(spotlightDir(), "node_modules", "@spotlightjs", "sidecar", "dist", "src", "main.js")
	if _, err := os.Stat(main); err != nil {
		t.Fatalf("Spotlight's sidecar is not installed (run .ci/setup.d/spotlight.sh): %v", err)
	}
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "loopback.mjs")
	if err := os.WriteFile(wrapper, []byte(spotlightLoopback), 0o644); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(servicetest.FreeAddr(t))
	cmd := exec.Command("node", wrapper, main, port)
	cmd.Dir = dir // where SPOTLIGHT_CAPTURE would write; it is unset
	cmd.Env = append(os.Environ(), "SPOTLIGHT_CAPTURE=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuilder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the sidecar: %v", err)
	}
	listening := make(chan string, 4)
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				listening <- line
			} else {
				_, _ = stderr.Write(append(sc.Bytes(), '\n')) // its log
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// The sidecar closes its server on SIGTERM but keeps running
		// until a second one.
		for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGTERM, os.Kill} {
			_ = cmd.Process.Signal(sig)
			select {
			case <-exited:
				return
			case <-time.After(2 * time.Second):
			}
		}
		<-exited
	})
	var at struct {
		Address string `json:"address"`
		Port    int    `json:"port"`
	}
	select {
	case line := <-listening:
		if err := json.Unmarshal([]byte(line), &at); err != nil {
			t.Fatalf("sidecar: %q is not its address: %v\nstderr:\n%s", line, err, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("sidecar did not listen within 30s\nstderr:\n%s", stderr)
	}
	if at.Address != "127.0.0.1" {
		t.Fatalf("sidecar listens on %s, want 127.0.0.1 only", at.Address)
	}
	s := &spotlight{addr: net.JoinHostPort(at.Address, fmt.Sprint(at.Port))}
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := client.Get("http://" + s.addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && resp.Header.Get("X-Powered-By") == "spotlight-by-sentry" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sidecar does not answer /health: %v\nstderr:\n%s", err, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.subscribe(t, client)
	return s
}

// subscribe reads the sidecar's /stream, where it relays every envelope it
// took (base64, as the Spotlight UI asks for binary-safe data), from now
// until the test ends.
func (s *spotlight) subscribe(t *testing.T, client *http.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+"/stream?base64", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("sidecar stream: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		resp.Body.Close()
		t.Fatalf("sidecar stream: %s", resp.Status)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		var typ, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event:"):
				typ = strings.TrimPrefix(line, "event:")
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimPrefix(line, "data:")
			case line == "":
				if typ != "" {
					s.relayed(t, typ, data)
				}
				typ, data = "", ""
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
}

func (s *spotlight) relayed(t *testing.T, typ, data string) {
	if typ != "application/x-sentry-envelope;base64" {
		t.Errorf("sidecar relayed %q, want only envelopes", typ)
		return
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Errorf("sidecar relayed bad base64: %v", err)
		return
	}
	evs, err := decodeEnvelope(b)
	if err != nil {
		t.Errorf("sidecar relayed an envelope that does not decode: %v", err)
		return
	}
	s.mu.Lock()
	s.events = append(s.events, evs...)
	s.mu.Unlock()
}

// wait returns the first relayed event that match accepts, calling poke
// (if any) while there is none; it fails the test after timeout.
func (s *spotlight) wait(t *testing.T, what string, timeout time.Duration, match func(wireEvent) bool, poke func()) wireEvent {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; {
		s.mu.Lock()
		i := slices.IndexFunc(s.events, match)
		var ev wireEvent
		if i >= 0 {
			ev = s.events[i]
		}
		n := len(s.events)
		s.mu.Unlock()
		if ev != nil {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s event among the %d the sidecar relayed within %v", what, n, timeout)
		}
		if poke != nil {
			poke()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// lockedBuilder lets the process write stderr while the test reads it.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// title is what Sentry titles an error event by: the last exception's type
// and the first line of its value, or the message.
func (e wireEvent) title() string {
	exs := e.list("exception")
	if len(exs) == 0 {
		s, _ := e["message"].(string)
		return s
	}
	x, _ := exs[len(exs)-1].(map[string]any)
	v, _ := x["value"].(string)
	v, _, _ = strings.Cut(v, "\n")
	return fmt.Sprint(x["type"], ": ", v)
}

// inAppFrames returns "module.function" of the in-app frames of every
// exception and thread.
func (e wireEvent) inAppFrames() []string {
	var out []string
	for _, key := range []string{"exception", "threads"} {
		for _, x := range e.list(key) {
			st, _ := x.(map[string]any)["stacktrace"].(map[string]any)
			for _, f := range asList(st["frames"]) {
				if fm := f.(map[string]any); fm["in_app"] == true {
					out = append(out, fmt.Sprint(fm["module"], ".", fm["function"]))
				}
			}
		}
	}
	return out
}

func (e wireEvent) context(name string) map[string]any {
	cs, _ := e["contexts"].(map[string]any)
	c, _ := cs[name].(map[string]any)
	return c
}

// TestE2ESpotlightTakesEveryEventKind sends one event of every kind to
// Spotlight's sidecar: the handled error, handler panic, goroutine panic
// and storm summary from the example service, an error log line from a
// reporter in this test, and a fatal crash through the crash monitor. Each
// must arrive with its event ID, title, in-app frames and contexts.
func TestE2ESpotlightTakesEveryEventKind(t *testing.T) {
	closeIdle(t)
	sp := startSpotlight(t)
	bin := servicetest.Build(t, "")
	svc := servicetest.Start(t, bin, servicetest.Options{Env: []string{
		"SENTRY_DSN=" + sp.dsn(), "SENTRY_RELEASE=e2e-release", "SENTRY_ENVIRONMENT=e2e",
		"SUPPORTKIT_CRASH_MONITOR=1", "SUPPORTKIT_DRAIN_DELAY=100ms",
	}})

	_, panicID := call(t, svc, "/panic")
	_, failID := call(t, svc, "/fail")
	if status, _ := call(t, svc, "/panic/goroutine?mine=1"); status != http.StatusAccepted {
		t.Errorf("/panic/goroutine answered %d, want 202", status)
	}
	// A storm: storm control lets a burst of /fail events through and
	// holds the rest back; the next one after a token came back carries
	// the count.
	for i := range 15 {
		call(t, svc, fmt.Sprintf("/fail?storm=%d", i))
	}
	storm := sp.wait(t, "storm summary", 30*time.Second, func(ev wireEvent) bool { return ev.context("storm") != nil },
		func() { call(t, svc, "/fail?storm=again") })

	// An error log line, from a reporter of this process.
	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(sp.dsn()), reporting.WithRelease("e2e-release"),
		reporting.WithEnvironment("e2e"), reporting.WithOutbox(t.TempDir(), 0))
	if err != nil {
		t.Fatal(err)
	}
	log := zap.NewNop().WithOptions(zap.WrapCore(rep.WrapCore))
	log.Error("payment 7731 declined", reporting.LogContext(rep.Bind(context.Background())), zap.String("order", "1001"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rep.Shutdown(ctx); err != nil {
		t.Errorf("reporter shutdown: %v", err)
	}

	// A fatal crash: POST /crash makes a goroutine panic unrecovered; the
	// crash monitor reads what the runtime printed and reports it.
	resp, err := http.Post(svc.URL+"/crash", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /crash answered %s, want 202", resp.Status)
	}

	byID := func(id string) func(wireEvent) bool { return func(ev wireEvent) bool { return ev.id() == id } }
	tests := []struct {
		kind     string
		ev       wireEvent
		title    string   // a part of the title
		inApp    []string // frames that must be in-app
		contexts []string
	}{
		{"handler panic", sp.wait(t, "handler panic", 30*time.Second, byID(panicID), nil),
			"nil pointer dereference", []string{"main.orderSummary", "main.(*app).panicHandler"}, []string{"trace"}},
		{"handled error", sp.wait(t, "handled error", 30*time.Second, byID(failID), nil),
			"inventory service refused the connection", []string{"main.checkStock", "main.(*app).failDependency"}, []string{"trace"}},
		{"goroutine panic", sp.wait(t, "goroutine panic", 30*time.Second, func(ev wireEvent) bool {
			q, _ := ev.request()["query_string"].(string)
			return strings.HasPrefix(q, "mine=")
		}, nil), "search index corrupted", []string{"main.(*app).rebuildIndex"}, []string{"trace"}},
		{"storm summary", storm, "inventory service refused the connection", []string{"main.checkStock"}, []string{"trace", "storm"}},
		{"error log", sp.wait(t, "error log", 30*time.Second, func(ev wireEvent) bool { return ev["message"] == "payment 7731 declined" }, nil),
			"payment 7731 declined", nil, nil},
		{"crash", sp.wait(t, "crash", 60*time.Second, func(ev wireEvent) bool {
			return strings.Contains(ev.title(), "demonstration crash requested")
		}, nil),
			"demonstration crash requested with POST /crash", []string{"main.crashUnwrapped"}, []string{"go_crash"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			ev := tt.ev
			if !hex32(ev.id()) {
				t.Errorf("event_id %q is not 32 hex digits", ev.id())
			}
			if got := ev.title(); !strings.Contains(got, tt.title) {
				t.Errorf("title %q, want it to contain %q", got, tt.title)
			}
			inApp := ev.inAppFrames()
			for _, f := range tt.inApp {
				if !slices.Contains(inApp, f) {
					t.Errorf("frame %s is not in-app; in-app frames: %v", f, inApp)
				}
			}
			for _, c := range tt.contexts {
				if ev.context(c) == nil {
					t.Errorf("no context %q in %v", c, ev["contexts"])
				}
			}
			if ev["release"] != "e2e-release" || ev["environment"] != "e2e" {
				t.Errorf("release %v, environment %v; want e2e-release, e2e", ev["release"], ev["environment"])
			}
			// What Sentry's ingestion would still object to; the fidelity
			// test keeps the list of known problems, here they are shown.
			raw, _ := json.Marshal(map[string]any(ev))
			for _, p := range eventcheck.Check(raw) {
				t.Logf("eventcheck: %s", p)
			}
			t.Logf("%s: %s %q, in-app %v", tt.kind, ev.id(), ev.title(), inApp)
		})
	}
}

func hex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// decodeEnvelope reads the envelope format: a header line, then items of
// a header line and a payload of "length" bytes (or up to the newline).
func decodeEnvelope(b []byte) ([]wireEvent, error) {
	line, rest, ok := bytes.Cut(b, []byte("\n"))
	var header map[string]any
	if !ok || json.Unmarshal(line, &header) != nil {
		return nil, fmt.Errorf("bad envelope header %q", line)
	}
	var out []wireEvent
	for len(bytes.TrimSpace(rest)) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		var ih struct {
			Type   string `json:"type"`
			Length *int   `json:"length"`
		}
		if err := json.Unmarshal(line, &ih); err != nil {
			return nil, fmt.Errorf("bad item header %q", line)
		}
		var payload []byte
		if ih.Length != nil {
			if *ih.Length > len(rest) {
				return nil, fmt.Errorf("item length %d beyond the body", *ih.Length)
			}
			payload, rest = rest[:*ih.Length], bytes.TrimPrefix(rest[*ih.Length:], []byte("\n"))
		} else {
			payload, rest, _ = bytes.Cut(rest, []byte("\n"))
		}
		if ih.Type != "event" {
			continue
		}
		var ev wireEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("bad event payload: %v", err)
		}
		if ev.id() != header["event_id"] {
			return nil, fmt.Errorf("envelope header names %v, event is %s", header["event_id"], ev.id())
		}
		out = append(out, ev)
	}
	return out, nil
}
