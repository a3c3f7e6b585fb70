package crash_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	outboxpkg "github.com/supportkit/supportkit/reporting/outbox"
)

// receiver is a Sentry-side receiver for tests: it accepts envelopes on
// 127.0.0.1 as Sentry's envelope endpoint does and keeps their events.
type receiver struct {
	addr string
	srv  *http.Server

	mu     sync.Mutex
	events []*sentry.Event
}

// newReceiver starts a receiver on addr ("" picks a free port), stopped
// when the test ends.
func newReceiver(t testing.TB, addr string) *receiver {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{addr: ln.Addr().String()}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = r.srv.Close()
		<-done
	})
	return r
}

// dsn is the DSN that sends to the receiver at addr.
func dsn(addr string) string { return "http://public@" + addr + "/1" }

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/envelope/") {
		http.Error(w, "not an envelope endpoint", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	env, err := outboxpkg.Parse(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	evs, err := env.Events()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":"`+env.EventID()+`"}`)
}

// Events returns the events received so far.
func (r *receiver) Events() []*sentry.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*sentry.Event(nil), r.events...)
}

// fatalEvents returns the received events of level fatal.
func (r *receiver) fatalEvents() []*sentry.Event {
	var out []*sentry.Event
	for _, ev := range r.Events() {
		if ev.Level == sentry.LevelFatal {
			out = append(out, ev)
		}
	}
	return out
}

// waitEvents waits up to timeout until match holds for the events received.
func (r *receiver) waitEvents(timeout time.Duration, match func([]*sentry.Event) bool) []*sentry.Event {
	deadline := time.Now().Add(timeout)
	for {
		evs := r.Events()
		if match(evs) || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(20 * time.Millisecond)
	}
}
