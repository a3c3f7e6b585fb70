package reporting_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// receiver is a Sentry-side envelope endpoint for tests: it listens on
// 127.0.0.1, parses each envelope it is sent, and can be told to fail or
// to go down and come back on the same address.
type receiver struct {
	t    testing.TB
	addr string

	mu       sync.Mutex
	srv      *http.Server
	requests int
	events   []*sentry.Event
	projects []string    // the project of each event
	sentAt   []time.Time // the envelope's sent_at of each event
	status   int
	header   http.Header
	decide   func(body []byte) int // when set, the status for each request
}

func newReceiver(t testing.TB) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	rv := &receiver{t: t, addr: addr, status: http.StatusOK}
	t.Cleanup(rv.stop)
	return rv
}

// DSN is the DSN that points at the receiver's project 1, up or down.
func (rv *receiver) DSN() string { return rv.projectDSN("1") }

// projectDSN is the DSN of one of the receiver's projects.
func (rv *receiver) projectDSN(project string) string {
	return "http://public@" + rv.addr + "/" + project
}

// byProject returns the IDs of the events received, by project.
func (rv *receiver) byProject() map[string][]string {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	out := map[string][]string{}
	for i, ev := range rv.events {
		out[rv.projects[i]] = append(out[rv.projects[i]], string(ev.EventID))
	}
	return out
}

func (rv *receiver) start() {
	rv.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port was ours a moment ago; retry while the kernel lets it go
		if ln, err = net.Listen("tcp", rv.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		rv.t.Fatalf("receiver: %v", err)
	}
	srv := &http.Server{Handler: rv, ReadHeaderTimeout: 5 * time.Second}
	rv.mu.Lock()
	rv.srv = srv
	rv.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (rv *receiver) stop() {
	rv.mu.Lock()
	srv := rv.srv
	rv.srv = nil
	rv.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// answer makes the receiver answer status with header from now on.
func (rv *receiver) answer(status int, header http.Header) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.status, rv.header = status, header
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.requests++
	project, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/"), "/")
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/envelope/") ||
		!strings.Contains(r.Header.Get("X-Sentry-Auth"), "sentry_key=public") {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	for k, vs := range rv.header {
		w.Header()[k] = vs
	}
	status := rv.status
	if rv.decide != nil {
		status = rv.decide(body)
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
		return
	}
	env, err := outbox.Parse(body)
	if err != nil {
		rv.t.Errorf("receiver: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	evs, err := env.Events()
	if err != nil {
		rv.t.Errorf("receiver: %v", err)
	}
	sentAt, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(env.Header["sent_at"]))
	for range evs {
		rv.projects = append(rv.projects, project)
		rv.sentAt = append(rv.sentAt, sentAt)
	}
	rv.events = append(rv.events, evs...)
	_, _ = io.WriteString(w, `{"id":"`+env.EventID()+`"}`)
}

func (rv *receiver) Events() []*sentry.Event {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]*sentry.Event(nil), rv.events...)
}

func (rv *receiver) Requests() int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return rv.requests
}

// waitEvents waits up to timeout for at least n events.
func (rv *receiver) waitEvents(n int, timeout time.Duration) ([]*sentry.Event, error) {
	deadline := time.Now().Add(timeout)
	for {
		evs := rv.Events()
		if len(evs) >= n {
			return evs, nil
		}
		if time.Now().After(deadline) {
			return evs, errors.New("receiver: timed out waiting for events")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func shutdown(t testing.TB, r *reporting.Reporter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
