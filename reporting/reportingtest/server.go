package reportingtest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"
)

// MaxEnvelopeBytes bounds the body a [Server] reads, after gzip is undone;
// a larger envelope is answered 413, as Sentry answers one beyond its own
// limits.
const MaxEnvelopeBytes = 32 << 20

// Server is a fake Sentry: it takes envelopes at /api/<project>/envelope/
// on 127.0.0.1, checks each request's key against the project's, decodes
// the envelope with its own parser and keeps what it received, per
// project. Its [Mode] says how it answers and can change at any time.
// Make one with [NewServer] and stop it with [Server.Close]. It is safe for
// concurrent use.
type Server struct {
	addr    string
	closing chan struct{} // closed by Close

	mu          sync.Mutex
	mode        Mode
	modeChanged chan struct{} // closed and replaced by Set
	arrived     chan struct{} // closed and replaced when an envelope is recorded
	srv         *http.Server  // nil while down or closed
	serveDone   chan struct{}
	closed      bool
	keys        map[string]string // project -> key
	envelopes   []Received
	refused     []Refusal
	requests    int
	held        int

	handlers sync.WaitGroup
	// answering counts the answers of recorded envelopes being written:
	// stopServing waits for them, so that a recorded envelope is always
	// acknowledged (a cut answer would make the sender send it again).
	answering sync.WaitGroup
}

// Received is one envelope a [Server] accepted.
type Received struct {
	// Project is the project of the URL; Key the sentry_key it was sent
	// with (the project's).
	Project, Key string
	// Header is the envelope's header line.
	Header map[string]any
	// Events and Attachments are the envelope's items of those types.
	Events      []*sentry.Event
	Attachments []Attachment
	// EventJSON holds the payload of each of Events as it was sent, for
	// tests that read the JSON itself: sentry-go's types drop the fields
	// they do not know.
	EventJSON []json.RawMessage
	// HTTPHeader is the request's HTTP header: Content-Type, User-Agent,
	// X-Sentry-Auth.
	HTTPHeader http.Header
	// Raw is the envelope as sent, gzip undone.
	Raw []byte
	// At is when it was recorded.
	At time.Time
}

// Refusal is a request a [Server] refused on its own account, as Sentry
// would: a wrong key (401), a path that is not an envelope endpoint (404),
// an envelope it cannot read (400) or one over the size limit (413). The
// answers a [Status] mode chooses are not refusals.
type Refusal struct {
	// Project is the project of the URL, "" when the path names none.
	Project string
	// Status is the HTTP status answered; Reason says why, as the
	// answer's "detail" does.
	Status int
	Reason string
}

// NewServer starts a Server on a free port of 127.0.0.1, in mode [Up].
func NewServer() *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("reportingtest: cannot listen on 127.0.0.1: " + err.Error())
	}
	s := &Server{
		addr:        ln.Addr().String(),
		closing:     make(chan struct{}),
		modeChanged: make(chan struct{}),
		arrived:     make(chan struct{}),
		keys:        map[string]string{},
	}
	s.mu.Lock()
	s.serve(ln)
	s.mu.Unlock()
	return s
}

// serve starts serving ln (s.mu held).
func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{
		Handler:           http.HandlerFunc(s.handle),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	done := make(chan struct{})
	s.srv, s.serveDone = srv, done
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

// stopServing lets the answers of envelopes already recorded go out, then
// closes the listener and every connection and waits for the accept loop
// to end (s.mu held). Handlers still running are released by the caller,
// through modeChanged or closing.
func (s *Server) stopServing() {
	if s.srv == nil {
		return
	}
	s.answering.Wait()
	_ = s.srv.Close()
	<-s.serveDone
	s.srv, s.serveDone = nil, nil
}

// URL returns "http://127.0.0.1:<port>", the same in every mode.
func (s *Server) URL() string { return "http://" + s.addr }

// DSN returns the DSN of project on this server,
// "http://<key>@127.0.0.1:<port>/<project>". Each project gets its own
// random key, the same on every call; a request to a project with another
// project's key is answered 401 and not recorded. project must be
// non-empty and hold no '/'.
func (s *Server) DSN(project string) string {
	if project == "" || strings.ContainsAny(project, "/?#@") {
		panic(fmt.Sprintf("reportingtest: project %q is not a path segment", project))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, ok := s.keys[project]
	if !ok {
		var b [16]byte
		_, _ = rand.Read(b[:])
		key = hex.EncodeToString(b[:])
		s.keys[project] = key
	}
	return "http://" + key + "@" + s.addr + "/" + project
}

// Set switches the server to m. Requests that arrive from then on, and
// requests hanging in [Hang], are answered as m says. Switching from
// [Down] listens again on the same port; if that port has been taken
// meanwhile, Set panics. Set after Close does nothing.
func (s *Server) Set(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	wasDown := s.mode.kind == modeDown
	s.mode = m
	close(s.modeChanged)
	s.modeChanged = make(chan struct{})
	switch {
	case m.kind == modeDown:
		s.stopServing()
	case wasDown:
		s.serve(s.listenAgain())
	}
}

// listenAgain listens on the server's address, retrying while the kernel
// lets go of it.
func (s *Server) listenAgain() net.Listener {
	var err error
	for range 250 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			return ln
		}
		time.Sleep(20 * time.Millisecond)
	}
	panic("reportingtest: cannot listen again on " + s.addr + ": " + err.Error())
}

// Close stops the server: it closes the listener and every connection,
// releases hanging and slow requests, and returns when every goroutine the
// server started has ended. Calling it again does nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	s.stopServing()
	s.mu.Unlock()
	s.handlers.Wait()
}

// Envelopes returns the envelopes recorded so far, in arrival order. The
// events, headers and bytes in them are the server's own: read them, do not
// change them.
func (s *Server) Envelopes() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.envelopes...)
}

// Events returns the events recorded for project so far, in arrival order.
func (s *Server) Events(project string) []*sentry.Event {
	evs, _ := s.events(project)
	return evs
}

func (s *Server) events(project string) ([]*sentry.Event, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*sentry.Event
	for _, r := range s.envelopes {
		if r.Project == project {
			out = append(out, r.Events...)
		}
	}
	return out, s.arrived
}

// WaitEvents waits until at least n events have been recorded for project
// and returns them all. If ctx ends first, it returns those recorded so far
// and an error saying how many of n arrived.
func (s *Server) WaitEvents(ctx context.Context, project string, n int) ([]*sentry.Event, error) {
	for {
		evs, arrived := s.events(project)
		if len(evs) >= n {
			return evs, nil
		}
		select {
		case <-arrived:
		case <-s.closing:
			return evs, fmt.Errorf("reportingtest: server closed with %d of %d events for project %s", len(evs), n, project)
		case <-ctx.Done():
			return evs, fmt.Errorf("reportingtest: %d of %d events for project %s: %w", len(evs), n, project, ctx.Err())
		}
	}
}

// Refused returns the requests refused so far, in arrival order, so that a
// test expecting every request to be accepted can say why one was not.
func (s *Server) Refused() []Refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Refusal(nil), s.refused...)
}

// Requests returns how many requests reached the server, answered or not,
// in any mode.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Held returns how many requests are being held right now by [Hang] or
// [Slow]: not answered yet, their clients still waiting.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

func (s *Server) hold(d int) {
	s.mu.Lock()
	s.held += d
	s.mu.Unlock()
}

// handle answers one request as the mode says.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		panic(http.ErrAbortHandler)
	}
	s.handlers.Add(1)
	s.requests++
	s.mu.Unlock()
	defer s.handlers.Done()

	body, readErr := readBody(r)
	for {
		s.mu.Lock()
		m, changed := s.mode, s.modeChanged
		s.mu.Unlock()
		switch m.kind {
		case modeDown:
			panic(http.ErrAbortHandler) // cut the connection, as a dead host would
		case modeHang:
			s.hold(1)
			select {
			case <-changed:
				s.hold(-1)
				continue
			case <-r.Context().Done():
				s.hold(-1)
				return
			case <-s.closing:
				s.hold(-1)
				panic(http.ErrAbortHandler)
			}
		case modeStatus:
			for k, vs := range m.header {
				w.Header()[k] = vs
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(m.code)
			_, _ = io.WriteString(w, `{"detail":"reportingtest: answering `+strconv.Itoa(m.code)+`"}`)
			return
		case modeTooLarge:
			if readErr == nil && len(body) > m.code {
				readErr = errTooLarge
			}
		case modeSlow:
			s.hold(1)
			t := time.NewTimer(m.delay)
			select {
			case <-t.C:
				s.hold(-1)
			case <-r.Context().Done():
				t.Stop()
				s.hold(-1)
				return
			case <-s.closing:
				t.Stop()
				s.hold(-1)
				panic(http.ErrAbortHandler)
			}
		}
		s.accept(w, r, body, readErr)
		return
	}
}

// readBody reads the request body, gzip undone, up to MaxEnvelopeBytes.
func readBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		rd = zr
	default:
		return nil, fmt.Errorf("content encoding %q is not supported", enc)
	}
	b, err := io.ReadAll(io.LimitReader(rd, MaxEnvelopeBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxEnvelopeBytes {
		return nil, errTooLarge
	}
	return b, nil
}

var errTooLarge = errors.New("envelope too large")

// accept checks, decodes and records one envelope, as Sentry's envelope
// endpoint would.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, body []byte, readErr error) {
	project, ok := envelopeProject(r.URL.Path)
	if !ok || r.Method != http.MethodPost {
		s.refuse(w, "", http.StatusNotFound, "not an envelope endpoint: "+r.Method+" "+r.URL.Path)
		return
	}
	key := sentryKey(r)
	s.mu.Lock()
	want, known := s.keys[project]
	s.mu.Unlock()
	if !known || key != want {
		s.refuse(w, project, http.StatusUnauthorized, "bad sentry_key for project "+project)
		return
	}
	switch {
	case readErr == errTooLarge:
		s.refuse(w, project, http.StatusRequestEntityTooLarge, readErr.Error())
		return
	case readErr != nil:
		s.refuse(w, project, http.StatusBadRequest, readErr.Error())
		return
	}
	env, err := parseEnvelope(body)
	if err != nil {
		s.refuse(w, project, http.StatusBadRequest, err.Error())
		return
	}
	if r.Context().Err() != nil {
		return // the client is gone: it will not learn of an answer, so none is recorded
	}
	s.mu.Lock()
	if s.closed || s.mode.kind == modeDown {
		// Cut before it was recorded: the sender learns nothing and
		// Sentry has nothing, as with a host that died meanwhile.
		s.mu.Unlock()
		panic(http.ErrAbortHandler)
	}
	s.answering.Add(1)
	defer s.answering.Done()
	s.envelopes = append(s.envelopes, Received{
		Project: project, Key: key, Header: env.header,
		Events: env.events, Attachments: env.attachments, EventJSON: env.eventJSON,
		HTTPHeader: r.Header.Clone(), Raw: body, At: time.Now(),
	})
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
	id, _ := env.header["event_id"].(string)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, "{\"id\":%q}\n", id)
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // on the wire before a switch to Down may close the connection
	}
}

// envelopeProject returns <project> of "/api/<project>/envelope/".
func envelopeProject(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return "", false
	}
	project, tail, ok := strings.Cut(rest, "/")
	if !ok || project == "" || (tail != "envelope/" && tail != "envelope") {
		return "", false
	}
	return project, true
}

// sentryKey returns the sentry_key of the X-Sentry-Auth header
// ("Sentry sentry_version=7, sentry_key=<key>, ..."), or of the query.
func sentryKey(r *http.Request) string {
	h := r.Header.Get("X-Sentry-Auth")
	h = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "Sentry"))
	for _, kv := range strings.Split(h, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "sentry_key="); ok {
			return v
		}
	}
	return r.URL.Query().Get("sentry_key")
}

// refuse records a refusal and answers it.
func (s *Server) refuse(w http.ResponseWriter, project string, code int, reason string) {
	s.mu.Lock()
	s.refused = append(s.refused, Refusal{Project: project, Status: code, Reason: reason})
	s.mu.Unlock()
	problem(w, code, reason)
}

func problem(w http.ResponseWriter, code int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	var b bytes.Buffer
	_, _ = fmt.Fprintf(&b, "{\"detail\":%q}\n", detail)
	_, _ = w.Write(b.Bytes())
}
