//go:build e2e

package reporting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// The end-to-end tests run the example service against reportingtest's
// fake Sentry on 127.0.0.1. It decodes the envelope wire format on its own
// (not with package reporting's parser), and the tests read each event
// from the JSON that was sent, as plain maps, so that what is checked is
// what Sentry would receive.
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

// breadcrumbs returns the messages of the request's own breadcrumbs. The
// health checks' changes of status (category "health", the logger's name)
// are the process's breadcrumbs, which every later event carries by design
// (the root package logs them through the reporter's own hub): they are
// left out here.
func (e wireEvent) breadcrumbs() []string {
	var out []string
	for _, b := range e.list("breadcrumbs") {
		m := b.(map[string]any)
		if m["category"] == "health" {
			continue
		}
		out = append(out, fmt.Sprint(m["message"]))
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

// wireSentry is reportingtest's fake Sentry, read as the end-to-end tests
// need: the events of project 7 as JSON maps, from the bytes that were
// sent.
type wireSentry struct {
	*reportingtest.Server
	t *testing.T
}

// newWireSentry starts the fake Sentry, up. When the test ends, after the
// services have stopped, it checks that every envelope was sent as
// application/x-sentry-envelope to project 7 with its key, and that no
// event arrived twice.
func newWireSentry(t *testing.T) *wireSentry {
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close)
	rv := &wireSentry{Server: srv, t: t}
	t.Cleanup(func() {
		for _, r := range srv.Refused() {
			t.Errorf("Sentry refused a request for project %q: %d %s", r.Project, r.Status, r.Reason)
		}
		seen := map[string]bool{}
		for _, env := range srv.Envelopes() {
			if ct := env.HTTPHeader.Get("Content-Type"); ct != "application/x-sentry-envelope" {
				t.Errorf("envelope %v sent as %q, want application/x-sentry-envelope", env.Header["event_id"], ct)
			}
			for _, ev := range env.Events {
				if seen[string(ev.EventID)] {
					t.Errorf("event %s delivered twice", ev.EventID)
				}
				seen[string(ev.EventID)] = true
			}
		}
	})
	return rv
}

func (rv *wireSentry) dsn() string { return rv.DSN("7") }

// events returns the events of project 7 received so far, in arrival
// order, decoded from their JSON as sent.
func (rv *wireSentry) events() []wireEvent {
	var out []wireEvent
	for _, env := range rv.Envelopes() {
		if env.Project != "7" {
			continue
		}
		for _, raw := range env.EventJSON {
			var ev wireEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				rv.t.Fatalf("event %s: %v", raw, err)
			}
			out = append(out, ev)
		}
	}
	return out
}

// waitUntil waits until done holds for the events received, each time one
// arrives, for at most timeout; it reports whether done held.
func (rv *wireSentry) waitUntil(timeout time.Duration, done func([]wireEvent) bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		evs := rv.events()
		if done(evs) {
			return true
		}
		if _, err := rv.WaitEvents(ctx, "7", len(evs)+1); err != nil {
			return done(rv.events())
		}
	}
}

// waitFor waits for an event for which match is true and returns its ID.
func (rv *wireSentry) waitFor(timeout time.Duration, match func(wireEvent) bool) string {
	rv.t.Helper()
	var id string
	if !rv.waitUntil(timeout, func(evs []wireEvent) bool {
		for _, ev := range evs {
			if match(ev) {
				id = ev.id()
				return true
			}
		}
		return false
	}) {
		rv.t.Fatalf("Sentry got no matching event within %v", timeout)
	}
	return id
}

// wait waits for the events with the given IDs.
func (rv *wireSentry) wait(timeout time.Duration, ids ...string) map[string]wireEvent {
	rv.t.Helper()
	got := map[string]wireEvent{}
	if !rv.waitUntil(timeout, func(evs []wireEvent) bool {
		clear(got)
		for _, ev := range evs {
			if slices.Contains(ids, ev.id()) {
				got[ev.id()] = ev
			}
		}
		return len(got) == len(ids)
	}) {
		rv.t.Fatalf("Sentry got %d of the events %v within %v", len(got), ids, timeout)
	}
	return got
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
	rv := newWireSentry(t)
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

// TestE2EOutboxAcrossRestart: Sentry is down while the service
// reports and restarts; every event arrives once it is back, and an event
// made while it is down again is retried until it is delivered.
func TestE2EOutboxAcrossRestart(t *testing.T) {
	closeIdle(t)
	rv := newWireSentry(t)
	rv.Set(reportingtest.Down())
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

	rv.Set(reportingtest.Up())
	second := startService(t, bin, rv.dsn(), outbox)
	rv.wait(30*time.Second, id1, id2)

	rv.Set(reportingtest.Down())
	_, id3 := call(t, second, "/panic")
	time.Sleep(500 * time.Millisecond) // let the attempt fail while Sentry is down
	rv.Set(reportingtest.Up())
	rv.wait(60*time.Second, id3)
	second.Stop(t)
	if left, _ := filepath.Glob(filepath.Join(outbox, "*.envelope")); len(left) != 0 {
		t.Errorf("outbox still holds %v", left)
	}
}
