//go:build e2e

package reporting_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/supportkit/supportkit/internal/servicetest"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// The fault suite runs the example service, as users run it, against a
// fake Sentry (reportingtest.Server) that goes down, hangs, answers slowly
// or with an error status, while the service is killed and restarted. For
// each scenario it counts the events PRODUCED (the reference_id of every
// 500 problem+json of GET /fail and GET /panic, which is the event ID, and
// the project of the DSN of the service that answered) against the events
// RECEIVED by the fake Sentry and the envelope files LEFT in the outbox,
// and asserts:
//
//   - lost: none. A produced event is either received or left on disk.
//   - misrouted: none. An event is received only under its own project.
//   - duplicates: only inside the window a SIGKILL opens. The sender sends
//     one envelope at a time, so a SIGKILL that falls between Sentry's
//     answer and the file's removal may leave one event that is sent again
//     by the next process: at most one duplicate per SIGKILL, and its first
//     receipt at most 1 s before the kill (the answer, then the removal).
//     Anything else received twice is a failure. Duplicates are reported
//     separately.
//   - undelivered: where the scenario ends with Sentry up and a service
//     running, every produced event is received.
//
// Storm control lets 10 events of one fingerprint through at once and one
// a second after that; production alternates the two fingerprints and
// paces itself beyond 20 events per process, so that every 500 carries an
// event ID (a suppressed event would carry the trace ID instead).
//
// Run: go test -race -tags e2e -run 'TestE2EFault' -count=1 ./reporting/
func TestE2EFault(t *testing.T) {
	t.Cleanup(http.DefaultClient.CloseIdleConnections) // servicetest polls with it
	bin := servicetest.Build(t, "")

	t.Run("up", func(t *testing.T) {
		f := newFaults(t, bin)
		svc := f.start("1")
		f.produce(svc, 10)
		f.waitDelivered(20 * time.Second)
		f.stop(svc)
		f.account(true)
		var sizes []int
		for _, env := range f.srv.Envelopes() {
			sizes = append(sizes, len(env.Raw))
		}
		slices.Sort(sizes)
		t.Logf("envelope sizes: %v", sizes)
	})

	t.Run("down then up at next start", func(t *testing.T) {
		f := newFaults(t, bin)
		f.srv.Set(reportingtest.Down())
		first := f.start("1")
		f.produce(first, 10)
		f.stop(first)
		f.wantLeft("after a run with Sentry down", f.producedIDs())
		f.srv.Set(reportingtest.Up())
		f.start("1")
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})

	t.Run("hang then SIGKILL then restart", func(t *testing.T) {
		f := newFaults(t, bin)
		f.srv.Set(reportingtest.Hang())
		first := f.start("1")
		f.produce(first, 10)
		f.waitHeld(1, 10*time.Second) // the sender is stuck on Sentry
		f.waitKept(5 * time.Second)
		f.kill(first)
		f.srv.Set(reportingtest.Up())
		f.start("1")
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})

	t.Run("slow backlog, new events, SIGKILL, restart", func(t *testing.T) {
		f := newFaults(t, bin)
		f.srv.Set(reportingtest.Down())
		first := f.start("1")
		f.produce(first, 30)
		f.stop(first)
		f.wantLeft("backlog", f.producedIDs())
		f.srv.Set(reportingtest.Slow(2 * time.Second))
		second := f.start("1")
		f.produce(second, 10)
		f.waitReceived(1, 15*time.Second) // the replay is under way
		f.waitHeld(1, 5*time.Second)      // and the next envelope is on the wire
		f.waitKept(5 * time.Second)
		f.kill(second)
		f.srv.Set(reportingtest.Up())
		f.start("1")
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})

	t.Run("500", func(t *testing.T) {
		f := newFaults(t, bin)
		f.srv.Set(reportingtest.Status(500, nil))
		svc := f.start("1")
		f.produce(svc, 10)
		f.waitRequests(2, 10*time.Second)
		f.wantLeft("while Sentry answers 500", f.producedIDs())
		f.srv.Set(reportingtest.Up())
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})

	t.Run("429 with Retry-After 1", func(t *testing.T) {
		f := newFaults(t, bin)
		f.srv.Set(reportingtest.Status(429, http.Header{"Retry-After": {"1"}}))
		svc := f.start("1")
		start := time.Now()
		f.produce(svc, 10)
		f.waitRequests(1, 10*time.Second)
		time.Sleep(3 * time.Second) // let the sender show how often it tries while limited
		f.wantLeft("while Sentry answers 429", f.producedIDs())
		limited, secs := f.srv.Requests(), time.Since(start).Seconds()
		f.srv.Set(reportingtest.Up())
		// Retry-After: 1 allows about one attempt a second.
		if max := int(secs) + 2; limited > max {
			t.Errorf("%d requests in %.1fs of 429 with Retry-After: 1, want at most %d", limited, secs, max)
		}
		t.Logf("%d requests in %.1fs of 429", limited, secs)
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})

	for _, code := range []int{401, 403} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := newFaults(t, bin)
			f.srv.Set(reportingtest.Status(code, nil))
			svc := f.start("1")
			f.produce(svc, 10)
			// Nothing is deleted for an answer that may be temporary (a
			// key being rotated, a project being re-enabled), and the
			// streak is logged once.
			f.waitRequests(3, 10*time.Second)
			f.wantLeft(fmt.Sprintf("while Sentry answers %d", code), f.producedIDs())
			if n := f.statusErrorLines(svc, code); n != 1 {
				t.Errorf("%d error log lines naming %d in one streak, want 1\n%s", n, code, f.reporterLines(svc))
			}
			f.stop(svc)
			f.srv.Set(reportingtest.Up())
			f.start("1")
			f.waitDelivered(20 * time.Second)
			f.account(true)
		})
	}

	t.Run("413", func(t *testing.T) {
		f := newFaults(t, bin)
		// Every event of the service is larger than this; Sentry's limits
		// are far larger, but the behaviour is the same: the event is
		// made smaller and sent again.
		f.srv.Set(reportingtest.TooLarge(tooLargeLimit))
		svc := f.start("1")
		f.produce(svc, 10)
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})

	t.Run("two services sharing one outbox", func(t *testing.T) {
		f := newFaults(t, bin)
		f.srv.Set(reportingtest.Down())
		a, b := f.start("1"), f.start("2")
		for range 5 {
			f.produce(a, 2)
			f.produce(b, 2)
		}
		f.srv.Set(reportingtest.Up())
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})

	t.Run("crash-restart loop during a slow replay", func(t *testing.T) {
		f := newFaults(t, bin)
		f.srv.Set(reportingtest.Down())
		first := f.start("1")
		f.produce(first, 20)
		f.stop(first)
		f.srv.Set(reportingtest.Slow(2 * time.Second))
		for range 3 {
			svc := f.start("1")
			f.produce(svc, 2)
			// Kill it while an envelope is on the wire, after one more
			// has been answered.
			f.waitReceived(f.receivedCount()+1, 15*time.Second)
			f.waitHeld(1, 5*time.Second)
			f.waitKept(5 * time.Second)
			f.kill(svc)
		}
		f.srv.Set(reportingtest.Up())
		f.start("1")
		f.waitDelivered(20 * time.Second)
		f.account(true)
	})
}

// tooLargeLimit is below the size of every event of the example service
// (3.3 to 3.7 kB, of which the exception chain's stacks are 2.7 kB) and
// above that of an event made smaller: fewer frames, no breadcrumbs.
const tooLargeLimit = 2000

// faults is one scenario: a fake Sentry, an outbox, the services run
// against them and what they produced.
type faults struct {
	t      *testing.T
	bin    string
	srv    *reportingtest.Server
	outbox string
	client *http.Client

	produced map[string]string // event ID -> project
	order    []string
	perSvc   map[*servicetest.Service]int
	kills    []killSpan
	services []*servicetest.Service
}

// killSpan is when a SIGKILL was sent and when the process was seen dead.
type killSpan struct{ sent, dead time.Time }

func newFaults(t *testing.T, bin string) *faults {
	srv := reportingtest.NewServer()
	t.Cleanup(srv.Close) // after the services' own cleanups: they stop first
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &faults{
		t: t, bin: bin, srv: srv, outbox: t.TempDir(),
		client:   &http.Client{Transport: tr, Timeout: 30 * time.Second},
		produced: map[string]string{},
		perSvc:   map[*servicetest.Service]int{},
	}
}

// start runs the service with the DSN of project and the shared outbox.
func (f *faults) start(project string) *servicetest.Service {
	f.t.Helper()
	svc := servicetest.Start(f.t, f.bin, servicetest.Options{Env: []string{
		"SENTRY_DSN=" + f.srv.DSN(project),
		"SENTRY_RELEASE=e2e-faults", "SENTRY_ENVIRONMENT=e2e",
		"SUPPORTKIT_OUTBOX=" + f.outbox,
		"SUPPORTKIT_DRAIN_DELAY=0",
	}})
	f.services = append(f.services, svc)
	f.t.Cleanup(func() {
		if f.t.Failed() {
			f.t.Logf("stderr of the service on %s:\n%s", svc.Addr, tail(svc.Stderr(), 30))
		}
	})
	return svc
}

var projectOf = regexp.MustCompile(`/(\w+)$`)

// produce makes n events on svc, alternating GET /fail and GET /panic, and
// records their IDs under svc's project.
func (f *faults) produce(svc *servicetest.Service, n int) {
	f.t.Helper()
	project := ""
	for _, kv := range svc.Cmd.Env {
		if dsn, ok := strings.CutPrefix(kv, "SENTRY_DSN="); ok {
			project = projectOf.FindStringSubmatch(dsn)[1]
		}
	}
	for range n {
		k := f.perSvc[svc]
		if k >= 20 && k%2 == 0 {
			time.Sleep(1100 * time.Millisecond) // storm control: one a second per fingerprint
		}
		path := "/fail"
		if k%2 == 1 {
			path = "/panic"
		}
		f.perSvc[svc] = k + 1
		id := f.call(svc, path)
		if _, dup := f.produced[id]; dup {
			f.t.Fatalf("%s answered reference_id %s twice", path, id)
		}
		f.produced[id] = project
		f.order = append(f.order, id)
	}
}

var eventID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// call requests path and returns the reference_id of its 500 problem.
func (f *faults) call(svc *servicetest.Service, path string) string {
	f.t.Helper()
	resp, err := f.client.Get(svc.URL + path)
	if err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var p struct {
		ReferenceID string `json:"reference_id"`
	}
	if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != 500 || !eventID.MatchString(p.ReferenceID) {
		f.t.Fatalf("GET %s: %d %s, want 500 problem+json with a reference_id", path, resp.StatusCode, body)
	}
	return p.ReferenceID
}

// stop ends svc with SIGTERM, as an orchestrator does.
func (f *faults) stop(svc *servicetest.Service) {
	f.t.Helper()
	svc.Stop(f.t)
	if err, _ := svc.Wait(time.Second); err != nil {
		f.t.Errorf("service exited with %v after SIGTERM", err)
	}
}

// kill ends svc with SIGKILL.
func (f *faults) kill(svc *servicetest.Service) {
	f.t.Helper()
	k := killSpan{sent: time.Now()}
	if err := svc.Signal(syscall.SIGKILL); err != nil {
		f.t.Fatalf("SIGKILL: %v", err)
	}
	if _, ok := svc.Wait(10 * time.Second); !ok {
		f.t.Fatalf("service alive 10s after SIGKILL")
	}
	k.dead = time.Now()
	f.kills = append(f.kills, k)
}

func (f *faults) producedIDs() []string { return slices.Clone(f.order) }

// receipt is one receipt of an event by the fake Sentry.
type receipt struct {
	project string
	at      time.Time
}

func (f *faults) received() map[string][]receipt {
	out := map[string][]receipt{}
	for _, env := range f.srv.Envelopes() {
		for _, ev := range env.Events {
			out[string(ev.EventID)] = append(out[string(ev.EventID)], receipt{env.Project, env.At})
		}
	}
	return out
}

func (f *faults) receivedCount() int {
	n := 0
	for _, env := range f.srv.Envelopes() {
		n += len(env.Events)
	}
	return n
}

// left returns the event IDs of the envelope files in the outbox, at any
// depth: every regular file whose name does not start with "." and whose
// first line is an envelope header naming an event (gzip undone).
func (f *faults) left() map[string]int {
	out := map[string]int{}
	_ = filepath.WalkDir(f.outbox, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // taken meanwhile
		}
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			if u, err := io.ReadAll(zr); err == nil {
				b = u
			}
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		var h struct {
			EventID string `json:"event_id"`
		}
		if json.Unmarshal(line, &h) == nil && h.EventID != "" {
			out[h.EventID]++
		}
		return nil
	})
	return out
}

// wantLeft checks that every event of ids is in the outbox, allowing the
// reporter 5 s to write what it has just been handed.
func (f *faults) wantLeft(when string, ids []string) {
	f.t.Helper()
	var left map[string]int
	var missing []string
	poll(5*time.Second, func() bool {
		left, missing = f.left(), nil
		for _, id := range ids {
			if left[id] == 0 {
				missing = append(missing, id)
			}
		}
		return len(missing) == 0
	})
	if len(missing) > 0 {
		f.t.Errorf("%s: %d of %d events not in the outbox (%d files there; %d received): %s",
			when, len(missing), len(ids), len(left), f.receivedCount(), strings.Join(missing, " "))
	}
}

// poll calls cond every 50 ms until it is true or timeout passes.
func poll(timeout time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return cond()
		case <-tick.C:
		}
	}
	return true
}

// waitKept waits until every event produced so far is on disk or at
// Sentry. The reporter writes an event on its own goroutine a few
// milliseconds after the capture (never waiting for the network); the
// promise under test is what happens to written events when the process is
// killed, so the kill comes once they are written. A handler panic is
// written before its answer goes out, so it needs no wait.
func (f *faults) waitKept(timeout time.Duration) {
	f.t.Helper()
	kept := func() bool {
		left, got := f.left(), f.received()
		for _, id := range f.producedIDs() {
			if left[id] == 0 && len(got[id]) == 0 {
				return false
			}
		}
		return true
	}
	if !poll(timeout, kept) {
		f.t.Logf("after %v not every produced event is kept yet (going on)", timeout)
	}
}

func (f *faults) waitHeld(n int, timeout time.Duration) {
	f.t.Helper()
	if !poll(timeout, func() bool { return f.srv.Held() >= n }) {
		f.t.Logf("after %v Sentry holds %d requests, want %d (going on)", timeout, f.srv.Held(), n)
	}
}

func (f *faults) waitRequests(n int, timeout time.Duration) {
	f.t.Helper()
	if !poll(timeout, func() bool { return f.srv.Requests() >= n }) {
		f.t.Logf("after %v Sentry got %d requests, want %d (going on)", timeout, f.srv.Requests(), n)
	}
}

func (f *faults) waitReceived(n int, timeout time.Duration) {
	f.t.Helper()
	if !poll(timeout, func() bool { return f.receivedCount() >= n }) {
		f.t.Logf("after %v Sentry received %d events, want %d (going on)", timeout, f.receivedCount(), n)
	}
}

// waitDelivered waits until every produced event has been received, or
// until timeout; it gives up early when nothing more can come: no event
// missing from Sentry is left in the outbox and nothing arrived for 3 s.
func (f *faults) waitDelivered(timeout time.Duration) {
	f.t.Helper()
	last, lastChange := -1, time.Now()
	poll(timeout, func() bool {
		got, left := f.received(), f.left()
		pending := 0
		missing := 0
		for _, id := range f.order {
			if len(got[id]) == 0 {
				missing++
				if left[id] > 0 {
					pending++
				}
			}
		}
		if n := f.receivedCount(); n != last {
			last, lastChange = n, time.Now()
		}
		return missing == 0 || (pending == 0 && time.Since(lastChange) > 3*time.Second)
	})
}

// account counts produced, received and left events and checks the
// promises of the suite's comment. wantDelivered: Sentry is up at the end
// and a service runs, so every event must have arrived.
func (f *faults) account(wantDelivered bool) {
	f.t.Helper()
	got, left := f.received(), f.left()
	c := count(f.order, f.produced, got, left, f.kills, wantDelivered)
	f.t.Logf("produced %d, received %d distinct (%d envelopes, %d requests), left %d files; lost %d, misrouted %d, undelivered %d, duplicates %d (%d in a SIGKILL window, %d kills), unexpected %d",
		len(f.order), len(got), len(f.srv.Envelopes()), f.srv.Requests(), len(left),
		len(c.Lost), len(c.Misrouted), len(c.Undelivered), len(c.Explained)+len(c.Unexplained), len(c.Explained), len(f.kills), len(c.Unexpected))
	if len(c.Lost) > 0 {
		f.t.Errorf("%d of %d events lost (neither received nor in the outbox): %s", len(c.Lost), len(f.order), strings.Join(c.Lost, " "))
	}
	if len(c.Misrouted) > 0 {
		f.t.Errorf("%d events received under another project: %s", len(c.Misrouted), strings.Join(c.Misrouted, " "))
	}
	if len(c.Unexplained) > 0 {
		f.t.Errorf("%d events received more than once outside a SIGKILL window: %s", len(c.Unexplained), strings.Join(c.Unexplained, " "))
	}
	if len(c.Undelivered) > 0 {
		f.t.Errorf("%d events still in the outbox with Sentry up and a service running: %s", len(c.Undelivered), strings.Join(c.Undelivered, " "))
	}
	if len(c.Unexpected) > 0 {
		f.t.Logf("received %d events nobody asked for (not from /fail or /panic): %s", len(c.Unexpected), strings.Join(c.Unexpected, " "))
	}
}

// tally is what count finds; each list holds event IDs, with details.
type tally struct {
	Lost, Misrouted, Undelivered []string
	// Explained are the duplicates inside a SIGKILL window, Unexplained
	// the others.
	Explained, Unexplained []string
	Unexpected             []string
}

// count compares the events produced (order, and each one's project) with
// those received and left in the outbox. Each SIGKILL explains at most one
// duplicate: an event received twice whose first receipt fell between 1 s
// before the kill and the process's death.
func count(order []string, produced map[string]string, got map[string][]receipt, left map[string]int, kills []killSpan, wantDelivered bool) tally {
	var c tally
	var dups []string
	for _, id := range order {
		rs := got[id]
		if len(rs) == 0 {
			if left[id] == 0 {
				c.Lost = append(c.Lost, id)
			} else if wantDelivered {
				c.Undelivered = append(c.Undelivered, id)
			}
		}
		for _, r := range rs {
			if r.project != produced[id] {
				c.Misrouted = append(c.Misrouted, fmt.Sprintf("%s(project %s, received under %s)", id, produced[id], r.project))
				break
			}
		}
		if len(rs) > 1 {
			dups = append(dups, id)
		}
	}
	for id := range got {
		if _, ok := produced[id]; !ok {
			c.Unexpected = append(c.Unexpected, id)
		}
	}
	sort.Strings(c.Unexpected)

	// Matched in time order, each to the earliest kill whose window holds
	// it, so that no kill that could explain a later duplicate is spent
	// on an earlier one that another kill explains as well.
	sort.SliceStable(dups, func(i, j int) bool { return got[dups[i]][0].at.Before(got[dups[j]][0].at) })
	kills = slices.Clone(kills)
	sort.Slice(kills, func(i, j int) bool { return kills[i].dead.Before(kills[j].dead) })
	used := make([]bool, len(kills))
	for _, id := range dups {
		first := got[id][0].at
		ok := false
		if len(got[id]) == 2 {
			for i, k := range kills {
				if !used[i] && !first.Before(k.sent.Add(-time.Second)) && !first.After(k.dead) {
					used[i], ok = true, true
					break
				}
			}
		}
		if ok {
			c.Explained = append(c.Explained, id)
		} else {
			c.Unexplained = append(c.Unexplained, fmt.Sprintf("%s(received %d times, first at %s)", id, len(got[id]), first.Format("15:04:05.000")))
		}
	}
	return c
}

// appMessages are the error lines of the example service itself, as
// opposed to the reporter's own.
var appMessages = []string{"request failed", "panic in HTTP handler", "panic in goroutine"}

// reporterLines returns the service's log lines at error level that are
// not the application's own.
func (f *faults) reporterLines(svc *servicetest.Service) []map[string]any {
	var out []map[string]any
	for _, l := range svc.Logs() {
		if l["level"] == "error" && !slices.Contains(appMessages, fmt.Sprint(l["msg"])) {
			out = append(out, l)
		}
	}
	return out
}

// statusErrorLines counts the reporter's error lines that name the HTTP
// status code (as a number or in a text such as "401 Unauthorized").
func (f *faults) statusErrorLines(svc *servicetest.Service, code int) int {
	re := regexp.MustCompile(fmt.Sprintf(`\b%d\b`, code))
	n := 0
	for _, l := range f.reporterLines(svc) {
		for k, v := range l {
			if k == "ts" || k == "caller" || k == "stacktrace" {
				continue // a time, a line number
			}
			if s, ok := v.(string); (ok && re.MatchString(s)) || v == float64(code) {
				n++
				break
			}
		}
	}
	return n
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// The suite's accounting, on made-up receipts: what counts as lost,
// misrouted, and a duplicate inside or outside a SIGKILL window.
func TestE2EFaultAccounting(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	kill := func(ms int) killSpan { return killSpan{sent: at(ms), dead: at(ms + 50)} }
	produced := map[string]string{"a": "1", "b": "1", "c": "2", "d": "1"}
	order := []string{"a", "b", "c", "d"}
	tests := []struct {
		name          string
		got           map[string][]receipt
		left          map[string]int
		kills         []killSpan
		wantDelivered bool
		want          tally
	}{
		{
			name: "all received once",
			got:  map[string][]receipt{"a": {{"1", at(0)}}, "b": {{"1", at(1)}}, "c": {{"2", at(2)}}, "d": {{"1", at(3)}}},
		},
		{
			name: "left on disk is not lost, but undelivered when Sentry is up",
			got:  map[string][]receipt{"a": {{"1", at(0)}}, "c": {{"2", at(2)}}},
			left: map[string]int{"b": 1, "d": 1}, wantDelivered: true,
			want: tally{Undelivered: []string{"b", "d"}},
		},
		{
			name: "neither received nor left: lost",
			got:  map[string][]receipt{"a": {{"1", at(0)}}, "c": {{"2", at(2)}}},
			left: map[string]int{"b": 1},
			want: tally{Lost: []string{"d"}},
		},
		{
			name: "wrong project, and an event nobody produced",
			got:  map[string][]receipt{"a": {{"1", at(0)}}, "b": {{"1", at(1)}}, "c": {{"1", at(2)}}, "d": {{"1", at(3)}}, "z": {{"1", at(4)}}},
			want: tally{Misrouted: []string{"c(project 2, received under 1)"}, Unexpected: []string{"z"}},
		},
		{
			name:  "a duplicate just before a kill is explained, one per kill",
			got:   map[string][]receipt{"a": {{"1", at(900)}, {"1", at(5000)}}, "b": {{"1", at(950)}, {"1", at(5001)}}, "c": {{"2", at(2)}}, "d": {{"1", at(3)}}},
			kills: []killSpan{kill(1000)},
			want:  tally{Explained: []string{"a"}, Unexplained: []string{"b(received 2 times, first at 06:00:00.950)"}},
		},
		{
			name:  "two kills explain two duplicates, in time order",
			got:   map[string][]receipt{"a": {{"1", at(3950)}, {"1", at(9000)}}, "b": {{"1", at(950)}, {"1", at(9001)}}, "c": {{"2", at(2)}}, "d": {{"1", at(3)}}},
			kills: []killSpan{kill(4000), kill(1000)},
			want:  tally{Explained: []string{"b", "a"}},
		},
		{
			name:  "long before the kill, after the death, or three times: not explained",
			got:   map[string][]receipt{"a": {{"1", at(0)}, {"1", at(5000)}}, "b": {{"1", at(2100)}, {"1", at(5001)}}, "c": {{"2", at(1900)}, {"2", at(1950)}, {"2", at(5002)}}, "d": {{"1", at(3)}}},
			kills: []killSpan{kill(2000)},
			want: tally{Unexplained: []string{
				"a(received 2 times, first at 06:00:00.000)",
				"c(received 3 times, first at 06:00:01.900)",
				"b(received 2 times, first at 06:00:02.100)",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := count(order, produced, tt.got, tt.left, tt.kills, tt.wantDelivered)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("count mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
