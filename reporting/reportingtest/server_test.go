package reportingtest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// envelope builds an event envelope by hand, as the wire format says.
func envelope(id string, extra ...string) []byte {
	payload := fmt.Sprintf(`{"event_id":%q,"level":"error","message":"m-%s"}`, id, id)
	s := fmt.Sprintf("{\"event_id\":%q}\n{\"type\":\"event\",\"length\":%d}\n%s\n", id, len(payload), payload)
	return []byte(s + strings.Join(extra, ""))
}

// post sends body to the envelope endpoint named by dsn (its key unless
// key is set) and returns the status, or an error for no answer.
func post(ctx context.Context, client *http.Client, dsn, key string, body []byte, gz bool) (int, http.Header, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return 0, nil, err
	}
	if key == "" {
		key = u.User.Username()
	}
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+u.Host+"/api"+u.Path+"/envelope/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=test/1, sentry_key="+key)
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func newServer(t *testing.T) *reportingtest.Server {
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

func ids(srv *reportingtest.Server, project string) []string {
	var out []string
	for _, ev := range srv.Events(project) {
		out = append(out, string(ev.EventID))
	}
	return out
}

func TestServerChecksAndRecords(t *testing.T) {
	srv := newServer(t)
	client := newClient(t)
	dsn1, dsn2 := srv.DSN("1"), srv.DSN("2")
	if dsn1 != srv.DSN("1") {
		t.Fatalf("DSN(1) changed between calls")
	}
	key2, _ := url.Parse(dsn2)
	attachment := "{\"type\":\"attachment\",\"length\":5,\"filename\":\"trace.out\",\"content_type\":\"application/octet-stream\"}\nab\ncd\n"
	tests := []struct {
		name       string
		dsn, key   string
		body       []byte
		gzip       bool
		wantStatus int
	}{
		{"event", dsn1, "", envelope("a1"), false, 200},
		{"gzip", dsn1, "", envelope("a2"), true, 200},
		{"other project", dsn2, "", envelope("b1"), false, 200},
		{"other project's key", dsn1, key2.User.Username(), envelope("x1"), false, 401},
		{"no key", dsn1, "nokey", envelope("x2"), false, 401},
		{"unknown project", strings.TrimSuffix(dsn1, "/1") + "/9", "", envelope("x3"), false, 401},
		{"bad header", dsn1, "", []byte("not json\n"), false, 400},
		{"length past the end", dsn1, "", []byte("{\"event_id\":\"x4\"}\n{\"type\":\"event\",\"length\":99}\n{}\n"), false, 400},
		{"event ID not the envelope's", dsn1, "", []byte("{\"event_id\":\"x5\"}\n{\"type\":\"event\"}\n{\"event_id\":\"x6\"}\n"), false, 400},
		{"no items", dsn1, "", []byte("{\"event_id\":\"x7\"}\n"), false, 400},
		{"event and attachment", dsn1, "", envelope("a3", attachment), false, 200},
		{"event without length", dsn1, "", []byte("{\"event_id\":\"a4\"}\n{\"type\":\"event\"}\n{\"event_id\":\"a4\"}"), false, 200},
	}
	for _, tt := range tests {
		status, _, err := post(t.Context(), client, tt.dsn, tt.key, tt.body, tt.gzip)
		if err != nil || status != tt.wantStatus {
			t.Errorf("%s: status %d (%v), want %d", tt.name, status, err, tt.wantStatus)
		}
	}
	if diff := cmp.Diff([]string{"a1", "a2", "a3", "a4"}, ids(srv, "1")); diff != "" {
		t.Errorf("project 1 events mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b1"}, ids(srv, "2")); diff != "" {
		t.Errorf("project 2 events mismatch (-want +got):\n%s", diff)
	}
	envs := srv.Envelopes()
	if len(envs) != 5 {
		t.Fatalf("%d envelopes recorded, want 5", len(envs))
	}
	if got := envs[2]; got.Project != "2" || got.Key != key2.User.Username() || got.Header["event_id"] != "b1" {
		t.Errorf("third envelope: project %s key %s header %v", got.Project, got.Key, got.Header)
	}
	wantJSON := []json.RawMessage{json.RawMessage(`{"event_id":"a1","level":"error","message":"m-a1"}`)}
	if diff := cmp.Diff(wantJSON, envs[0].EventJSON); diff != "" {
		t.Errorf("first envelope's EventJSON mismatch (-want +got):\n%s", diff)
	}
	if got := envs[0].HTTPHeader.Get("Content-Type"); got != "application/x-sentry-envelope" {
		t.Errorf("first envelope's HTTPHeader has Content-Type %q, want the one it was sent with", got)
	}
	if !bytes.Equal(envs[1].Raw, envelope("a2")) {
		t.Errorf("gzip envelope Raw = %q, want it unzipped", envs[1].Raw)
	}
	wantAtt := []reportingtest.Attachment{{Filename: "trace.out", ContentType: "application/octet-stream", Data: []byte("ab\ncd")}}
	if diff := cmp.Diff(wantAtt, envs[3].Attachments); diff != "" {
		t.Errorf("attachments mismatch (-want +got):\n%s", diff)
	}
	if got, want := srv.Requests(), len(tests); got != want {
		t.Errorf("Requests() = %d, want %d", got, want)
	}
	status, _, err := post(t.Context(), client, strings.TrimSuffix(dsn1, "/1"), "", envelope("x8"), false)
	if err != nil || status != 404 {
		t.Errorf("no project in the path: status %d (%v), want 404", status, err)
	}
	wantRefused := []reportingtest.Refusal{
		{Project: "1", Status: 401, Reason: "bad sentry_key for project 1"},
		{Project: "1", Status: 401, Reason: "bad sentry_key for project 1"},
		{Project: "9", Status: 401, Reason: "bad sentry_key for project 9"},
		{Project: "1", Status: 400, Reason: `envelope header "not json" is not a JSON object`},
		{Project: "1", Status: 400, Reason: "item 0: length 99 does not fit the 3 bytes left"},
		{Project: "1", Status: 400, Reason: `item 0: event "x6" in an envelope for "x5"`},
		{Project: "1", Status: 400, Reason: "envelope has no items"},
		{Status: 404, Reason: "not an envelope endpoint: POST /api/envelope/"},
	}
	if diff := cmp.Diff(wantRefused, srv.Refused()); diff != "" {
		t.Errorf("Refused() mismatch (-want +got):\n%s", diff)
	}
	if m := srv.Events("1")[0].Message; m != "m-a1" {
		t.Errorf("event message %q, want m-a1", m)
	}
}

func TestServerModes(t *testing.T) {
	srv := newServer(t)
	client := newClient(t)
	dsn := srv.DSN("1")
	send := func(id string) (int, http.Header, error) {
		return post(t.Context(), client, dsn, "", envelope(id), false)
	}

	srv.Set(reportingtest.Status(429, http.Header{"Retry-After": {"1"}}))
	if status, h, err := send("s429"); err != nil || status != 429 || h.Get("Retry-After") != "1" {
		t.Errorf("Status(429): %d %v %v, want 429 with Retry-After: 1", status, h, err)
	}
	srv.Set(reportingtest.Status(200, http.Header{"X-Sentry-Rate-Limits": {"60::key"}}))
	if status, h, err := send("s200"); err != nil || status != 200 || h.Get("X-Sentry-Rate-Limits") != "60::key" {
		t.Errorf("Status(200): %d %v %v", status, h, err)
	}

	srv.Set(reportingtest.Down())
	client.CloseIdleConnections() // a kept-alive connection would see EOF, not a refusal
	if _, _, err := send("down"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Down: %v, want connection refused", err)
	}
	srv.Set(reportingtest.Up())
	if status, _, err := send("up"); err != nil || status != 200 {
		t.Errorf("Up again: %d %v", status, err)
	}

	srv.Set(reportingtest.TooLarge(len(envelope("big")) - 1))
	if status, _, err := send("big"); err != nil || status != 413 {
		t.Errorf("TooLarge, larger envelope: %d %v, want 413", status, err)
	}
	if got := srv.Refused(); len(got) != 1 || got[0].Status != 413 {
		t.Errorf("after TooLarge: Refused() = %v, want the 413 (and not the answers Status chose)", got)
	}
	srv.Set(reportingtest.TooLarge(len(envelope("fit"))))
	if status, _, err := send("fit"); err != nil || status != 200 {
		t.Errorf("TooLarge, envelope that fits: %d %v, want 200", status, err)
	}

	const d = 200 * time.Millisecond
	srv.Set(reportingtest.Slow(d))
	start := time.Now()
	if status, _, err := send("slow"); err != nil || status != 200 {
		t.Errorf("Slow: %d %v", status, err)
	}
	if took := time.Since(start); took < d {
		t.Errorf("Slow(%v) answered after %v", d, took)
	}

	// Hang holds the request until the mode changes, then answers it as
	// the new mode says.
	srv.Set(reportingtest.Hang())
	before := srv.Requests()
	answered := make(chan int, 1)
	go func() {
		status, _, _ := send("hung")
		answered <- status
	}()
	waitRequests(t, srv, before+1)
	waitHeld(t, srv, 1)
	select {
	case status := <-answered:
		t.Fatalf("Hang answered %d", status)
	case <-time.After(100 * time.Millisecond):
	}
	srv.Set(reportingtest.Up())
	if status := <-answered; status != 200 {
		t.Errorf("hung request answered %d after Up, want 200", status)
	}

	if diff := cmp.Diff([]string{"up", "fit", "slow", "hung"}, ids(srv, "1")); diff != "" {
		t.Errorf("recorded events mismatch (-want +got):\n%s", diff)
	}
	if got, want := srv.Requests(), 7; got != want {
		t.Errorf("Requests() = %d, want %d (the refused one never arrived)", got, want)
	}
}

// waitRequests waits until the server has seen n requests.
func waitRequests(t *testing.T, srv *reportingtest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Requests() < n {
		if time.Now().After(deadline) {
			t.Fatalf("server saw %d requests, want %d", srv.Requests(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitHeld waits until the server holds n requests.
func waitHeld(t *testing.T, srv *reportingtest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Held() != n {
		if time.Now().After(deadline) {
			t.Fatalf("server holds %d requests, want %d", srv.Held(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close releases requests that hang or wait in Slow, and returns; goleak
// (TestMain) checks that nothing is left running.
func TestServerCloseReleasesHangingRequests(t *testing.T) {
	for _, m := range []reportingtest.Mode{reportingtest.Hang(), reportingtest.Slow(time.Hour)} {
		t.Run(m.String(), func(t *testing.T) {
			srv := reportingtest.NewServer()
			client := newClient(t)
			srv.Set(m)
			dsn := srv.DSN("1")
			errs := make(chan error, 3)
			for i := range 3 {
				go func() {
					_, _, err := post(context.Background(), client, dsn, "", envelope(fmt.Sprint(i)), false)
					errs <- err
				}()
			}
			waitHeld(t, srv, 3)
			closed := make(chan struct{})
			go func() { srv.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return within 10s")
			}
			for range 3 {
				if err := <-errs; err == nil {
					t.Errorf("a request held by %v was answered after Close", m)
				}
			}
			srv.Close() // again: nothing
			if evs := srv.Events("1"); len(evs) != 0 {
				t.Errorf("%d events recorded, want none", len(evs))
			}
		})
	}
}

// A client that gives up on a hanging request is not recorded when the
// server comes back.
func TestServerHangClientGivesUp(t *testing.T) {
	srv := newServer(t)
	client := newClient(t)
	srv.Set(reportingtest.Hang())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := post(ctx, client, srv.DSN("1"), "", envelope("gone"), false); err == nil {
		t.Fatal("a hanging server answered")
	}
	waitHeld(t, srv, 0) // the server has seen the client go
	srv.Set(reportingtest.Up())
	if status, _, err := post(t.Context(), client, srv.DSN("1"), "", envelope("next"), false); err != nil || status != 200 {
		t.Fatalf("after Up: %d %v", status, err)
	}
	if diff := cmp.Diff([]string{"next"}, ids(srv, "1")); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

// Senders on several goroutines, and a goroutine switching modes, all at
// once: every request is counted, every 200 recorded once, nothing else.
func TestServerConcurrentSenders(t *testing.T) {
	srv := newServer(t)
	client := newClient(t)
	dsns := []string{srv.DSN("1"), srv.DSN("2")}
	const senders, each = 6, 25
	var (
		mu       sync.Mutex
		accepted = map[string][]string{}
		answered int
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	switched := make(chan struct{})
	go func() {
		defer close(switched)
		modes := []reportingtest.Mode{reportingtest.Up(), reportingtest.Status(503, nil), reportingtest.Slow(time.Millisecond), reportingtest.Up()}
		for i := 0; ; i++ {
			select {
			case <-stop:
				srv.Set(reportingtest.Up())
				return
			case <-time.After(2 * time.Millisecond):
				srv.Set(modes[i%len(modes)])
			}
		}
	}()
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				project := fmt.Sprint(s%2 + 1)
				id := fmt.Sprintf("s%d-%d", s, i)
				status, _, err := post(t.Context(), client, dsns[s%2], "", envelope(id), false)
				mu.Lock()
				if err == nil {
					answered++
				}
				if err == nil && status == 200 {
					accepted[project] = append(accepted[project], id)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-switched
	if got := srv.Requests(); got != senders*each || answered != senders*each {
		t.Errorf("Requests() = %d, answered %d, want %d", got, answered, senders*each)
	}
	for _, p := range []string{"1", "2"} {
		got := map[string]bool{}
		for _, id := range ids(srv, p) {
			if got[id] {
				t.Errorf("project %s: %s recorded twice", p, id)
			}
			got[id] = true
		}
		want := map[string]bool{}
		for _, id := range accepted[p] {
			want[id] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("project %s: recorded events mismatch (-want +got):\n%s", p, diff)
		}
	}
}

func TestServerWaitEvents(t *testing.T) {
	srv := newServer(t)
	client := newClient(t)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		evs, err := srv.WaitEvents(ctx, "1", 2)
		if err == nil && len(evs) != 2 {
			err = fmt.Errorf("%d events", len(evs))
		}
		done <- err
	}()
	for _, id := range []string{"w1", "w2"} {
		if status, _, err := post(t.Context(), client, srv.DSN("1"), "", envelope(id), false); err != nil || status != 200 {
			t.Fatalf("post: %d %v", status, err)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("WaitEvents: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	evs, err := srv.WaitEvents(ctx, "1", 3)
	if !errors.Is(err, context.DeadlineExceeded) || len(evs) != 2 {
		t.Errorf("WaitEvents for 3 of 2: %d events, %v; want 2 and the deadline", len(evs), err)
	}
}

// TestServerDownAfterRecordAnswers: an envelope the server has recorded is
// always acknowledged, even when the mode turns to Down right after, so
// that "received" in a test means what a sender learns of too. Cutting the
// answer of a recorded envelope made the sender retry an event Sentry had,
// and end-to-end tests saw it delivered twice.
func TestServerDownAfterRecordAnswers(t *testing.T) {
	srv := newServer(t)
	for i := range 200 {
		client := newClient(t)
		res := make(chan error, 1)
		go func() {
			status, _, err := post(t.Context(), client, srv.DSN("1"), "", envelope(fmt.Sprintf("d%03d", i)), false)
			if err == nil && status != 200 {
				err = fmt.Errorf("status %d", status)
			}
			res <- err
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		_, err := srv.WaitEvents(ctx, "1", i+1)
		cancel()
		if err != nil {
			t.Fatalf("envelope %d: %v", i, err)
		}
		srv.Set(reportingtest.Down())
		if err := <-res; err != nil {
			t.Fatalf("envelope %d was recorded but its sender got %v", i, err)
		}
		srv.Set(reportingtest.Up())
	}
}
