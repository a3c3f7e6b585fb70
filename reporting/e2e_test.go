//go:build e2e

package reporting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// The end-to-end tests run the example service against a Sentry-side
// receiver started here on 127.0.0.1. The receiver decodes the envelope
// wire format on its own (not with package reporting's parser) into plain
// JSON maps, so that what is checked is what Sentry would receive.
//
// Sentry's Spotlight sidecar was tried and set aside: version 4.11.8 fails
// every request with the hono release npm resolves today (it works only
// with hono pinned to 4.12.25), it listens on every interface with no
// option to bind 127.0.0.1, and it sends its own telemetry to sentry.io
// with no way to turn it off.

// wireEvent is an event as it arrived, decoded without sentry-go's types.
type wireEvent map[string]any

func (e wireEvent) id() string { s, _ := e["event_id"].(string); return s }

// frames returns "module.function" of every frame of every exception.
func (e wireEvent) frames() []string {
	var out []string
	for _, x := range e.list("exception") {
		st, _ := x.(map[string]any)["stacktrace"].(map[string]any)
		for _, f := range asList(st["frames"]) {
			fm := f.(map[string]any)
			out = append(out, fmt.Sprint(fm["module"], ".", fm["function"]))
		}
	}
	return out
}

func (e wireEvent) exceptionTypes() []string {
	var out []string
	for _, x := range e.list("exception") {
		out = append(out, fmt.Sprint(x.(map[string]any)["type"]))
	}
	return out
}

func (e wireEvent) breadcrumbs() []string {
	var out []string
	for _, b := range e.list("breadcrumbs") {
		out = append(out, fmt.Sprint(b.(map[string]any)["message"]))
	}
	return out
}

func (e wireEvent) list(key string) []any {
	v := e[key]
	if m, ok := v.(map[string]any); ok { // {"values": [...]} form
		v = m["values"]
	}
	return asList(v)
}

func (e wireEvent) traceID() string {
	c, _ := e["contexts"].(map[string]any)
	t, _ := c["trace"].(map[string]any)
	s, _ := t["trace_id"].(string)
	return s
}

func (e wireEvent) request() map[string]any { r, _ := e["request"].(map[string]any); return r }

func asList(v any) []any { l, _ := v.([]any); return l }

// wireReceiver is the Sentry-side endpoint: POST /api/<project>/envelope/.
type wireReceiver struct {
	t    *testing.T
	addr string

	mu     sync.Mutex
	srv    *http.Server
	events map[string]wireEvent
	order  []string
}

func newWireReceiver(t *testing.T) *wireReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rv := &wireReceiver{t: t, addr: ln.Addr().String(), events: map[string]wireEvent{}}
	_ = ln.Close()
	t.Cleanup(rv.stop)
	return rv
}

func (rv *wireReceiver) dsn() string { return "http://e2ekey@" + rv.addr + "/7" }

func (rv *wireReceiver) start() {
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", rv.addr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		rv.t.Fatalf("receiver: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(rv.serve), ReadHeaderTimeout: 5 * time.Second}
	rv.mu.Lock()
	rv.srv = srv
	rv.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (rv *wireReceiver) stop() {
	rv.mu.Lock()
	srv := rv.srv
	rv.srv = nil
	rv.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (rv *wireReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/api/7/envelope/" ||
		!strings.Contains(r.Header.Get("X-Sentry-Auth"), "sentry_key=e2ekey") ||
		r.Header.Get("Content-Type") != "application/x-sentry-envelope" {
		rv.t.Errorf("receiver: unexpected %s %s %v", r.Method, r.URL, r.Header)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	evs, err := decodeEnvelope(body)
	if err != nil {
		rv.t.Errorf("receiver: %v\n%s", err, body)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rv.mu.Lock()
	for _, ev := range evs {
		if _, dup := rv.events[ev.id()]; dup {
			rv.t.Errorf("receiver: event %s delivered twice", ev.id())
		}
		rv.events[ev.id()] = ev
		rv.order = append(rv.order, ev.id())
	}
	rv.mu.Unlock()
	w.WriteHeader(http.StatusOK)
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

// waitFor waits for an event for which match is true and returns its ID.
func (rv *wireReceiver) waitFor(timeout time.Duration, match func(wireEvent) bool) string {
	rv.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rv.mu.Lock()
		for _, id := range rv.order {
			if match(rv.events[id]) {
				rv.mu.Unlock()
				return id
			}
		}
		rv.mu.Unlock()
		if time.Now().After(deadline) {
			rv.t.Fatalf("receiver got no matching event within %v", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wait waits for the events with the given IDs.
func (rv *wireReceiver) wait(timeout time.Duration, ids ...string) map[string]wireEvent {
	rv.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rv.mu.Lock()
		got := map[string]wireEvent{}
		for _, id := range ids {
			if ev, ok := rv.events[id]; ok {
				got[id] = ev
			}
		}
		rv.mu.Unlock()
		if len(got) == len(ids) {
			return got
		}
		if time.Now().After(deadline) {
			rv.t.Fatalf("receiver got %d of the events %v within %v", len(got), ids, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const testJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

// call sends a request with credentials and personal data in it, and
// returns the status and the problem's reference ID.
func call(t *testing.T, svc *servicetest.Service, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", svc.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+testJWT)
	req.Header.Set("Cookie", "session=s3cr3t-session")
	req.Header.Set("X-Api-Key", "k-123")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var p struct {
		ReferenceID string `json:"reference_id"`
	}
	if resp.StatusCode >= 500 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: content type %q, want application/problem+json", path, ct)
		}
		if err := json.Unmarshal(body, &p); err != nil || p.ReferenceID == "" {
			t.Errorf("%s: body %s has no reference_id", path, body)
		}
	}
	return resp.StatusCode, p.ReferenceID
}

func startService(t *testing.T, bin, dsn, outbox string) *servicetest.Service {
	return servicetest.Start(t, bin, servicetest.Options{Env: []string{
		"SENTRY_DSN=" + dsn, "SENTRY_RELEASE=e2e-release", "SENTRY_ENVIRONMENT=e2e",
		"SUPPORTKIT_OUTBOX=" + outbox, "SUPPORTKIT_DRAIN_DELAY=100ms",
	}})
}

// logLine returns the service's log line with message msg and the given
// event ID.
func logLine(t *testing.T, svc *servicetest.Service, msg, id string) map[string]any {
	t.Helper()
	l, err := svc.WaitLog(context.Background(), 10*time.Second, func(m map[string]any) bool {
		return m["msg"] == msg && m["event_id"] == id
	})
	if err != nil {
		t.Fatalf("no log line %q with event_id %s: %v\n%s", msg, id, err, svc.Stderr())
	}
	return l
}

func hasFrame(frames []string, suffix string) bool {
	return slices.ContainsFunc(frames, func(f string) bool { return strings.HasSuffix(f, suffix) })
}

// closeIdle closes the keep-alive connections of the default client when
// the test ends, so that goleak sees no leftover goroutines.
func closeIdle(t *testing.T) {
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
}

func TestE2EServiceReportsToSentry(t *testing.T) {
	closeIdle(t)
	rv := newWireReceiver(t)
	rv.start()
	bin := servicetest.Build(t, "")
	svc := startService(t, bin, rv.dsn(), t.TempDir())

	// Other requests run at the same time, logging breadcrumbs of their
	// own that must not appear in the events checked below. (A few only:
	// storm control lets 10 events of one fingerprint through at once.)
	var noise sync.WaitGroup
	noise.Add(1)
	go func() {
		defer noise.Done()
		for i := range 4 {
			if resp, err := http.Get(svc.URL + "/panic/goroutine?noise=" + strconv.Itoa(i)); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	status, panicID := call(t, svc, "/panic?token=abc&page=2")
	if status != 500 {
		t.Errorf("/panic answered %d, want 500", status)
	}
	status, failID := call(t, svc, "/fail?card=4111111111111111")
	if status != 500 {
		t.Errorf("/fail answered %d, want 500", status)
	}
	noise.Wait()
	status, _ = call(t, svc, "/panic/goroutine?mine=1")
	if status != 202 {
		t.Errorf("/panic/goroutine answered %d, want 202", status)
	}
	goID := rv.waitFor(30*time.Second, func(ev wireEvent) bool {
		q, _ := ev.request()["query_string"].(string)
		return strings.HasPrefix(q, "mine=")
	})

	evs := rv.wait(30*time.Second, panicID, failID, goID)
	tests := []struct {
		name, id, logMsg string
		types            []string
		frames           []string
		crumbs           []string
	}{
		{"handler panic", panicID, "panic in HTTP handler", []string{"panic"},
			[]string{"main.(*app).panicHandler", "main.orderSummary"}, []string{"rendering order summary"}},
		{"logged error", failID, "request failed", []string{"unavailable", "internal"},
			[]string{"main.(*app).failDependency", "main.checkStock"}, []string{"checking stock"}},
		{"goroutine panic", goID, "panic in goroutine", []string{"panic"},
			[]string{"main.(*app).rebuildIndex"}, []string{"starting index rebuild", "rebuilding search index"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := evs[tt.id]
			if got := ev.exceptionTypes(); !slices.Equal(got, tt.types) {
				t.Errorf("exception types %v, want %v", got, tt.types)
			}
			for _, f := range tt.frames {
				if !hasFrame(ev.frames(), f) {
					t.Errorf("no frame %s in %v", f, ev.frames())
				}
			}
			if got := ev.breadcrumbs(); !slices.Equal(got, tt.crumbs) {
				t.Errorf("breadcrumbs %v, want only this request's %v", got, tt.crumbs)
			}
			if ev["release"] != "e2e-release" || ev["environment"] != "e2e" {
				t.Errorf("release %v, environment %v", ev["release"], ev["environment"])
			}
			// The log line names the event, and both name the same trace.
			line := logLine(t, svc, tt.logMsg, tt.id)
			if tid, ok := line["trace_id"].(string); ok {
				if tid != ev.traceID() {
					t.Errorf("trace_id: log line %s, event %s", tid, ev.traceID())
				}
				t.Logf("trace %s in the log line and the event", tid)
			}
			if ev.traceID() == "" {
				t.Errorf("event has no trace context")
			}
			if ref, ok := line["reference_id"]; ok && ref != tt.id {
				t.Errorf("log line reference_id %v, want the event ID %s", ref, tt.id)
			}
			// The request, scrubbed.
			req := ev.request()
			headers, _ := req["headers"].(map[string]any)
			for _, h := range []string{"Authorization", "Cookie", "X-Api-Key", "X-Forwarded-For"} {
				if headers[h] != "[REDACTED]" {
					t.Errorf("header %s = %v, want [REDACTED]", h, headers[h])
				}
			}
			raw, _ := json.Marshal(ev)
			for _, secret := range []string{testJWT, "s3cr3t-session", "k-123", "203.0.113.9", "4111111111111111", "token=abc"} {
				if bytes.Contains(raw, []byte(secret)) {
					t.Errorf("event carries %q", secret)
				}
			}
			q, _ := req["query_string"].(string)
			v, _ := url.ParseQuery(q)
			for k, vs := range v {
				if !slices.Equal(vs, []string{"[REDACTED]"}) {
					t.Errorf("query parameter %s = %v, want [REDACTED]", k, vs)
				}
			}
		})
	}
}

// TestE2EOutboxAcrossRestart: the receiver is down while the service
// reports and restarts; every event arrives once it is back, and an event
// made while it is down again is retried until it is delivered.
func TestE2EOutboxAcrossRestart(t *testing.T) {
	closeIdle(t)
	rv := newWireReceiver(t) // down
	bin := servicetest.Build(t, "")
	outbox := t.TempDir()

	first := startService(t, bin, rv.dsn(), outbox)
	_, id1 := call(t, first, "/panic")
	_, id2 := call(t, first, "/fail")
	first.Stop(t)
	if err, _ := first.Wait(time.Second); err != nil {
		t.Errorf("first service exited with %v\n%s", err, first.Stderr())
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*.envelope"))
	if len(files) != 2 {
		t.Fatalf("outbox holds %d envelopes after the first run, want 2\n%s", len(files), first.Stderr())
	}
	summary, err := first.WaitLog(context.Background(), time.Second, func(m map[string]any) bool { return m["msg"] == "reporting outbox" })
	if err != nil || summary["files"] != float64(2) {
		t.Errorf("summary line %v (%v), want files=2", summary, err)
	}

	rv.start()
	second := startService(t, bin, rv.dsn(), outbox)
	rv.wait(30*time.Second, id1, id2)

	rv.stop()
	_, id3 := call(t, second, "/panic")
	time.Sleep(500 * time.Millisecond) // let the attempt fail while the receiver is down
	rv.start()
	rv.wait(60*time.Second, id3)
	second.Stop(t)
	if left, _ := filepath.Glob(filepath.Join(outbox, "*.envelope")); len(left) != 0 {
		t.Errorf("outbox still holds %v", left)
	}
}
