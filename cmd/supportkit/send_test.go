package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// sendFixture writes an outbox with two events for project 1 of srv, one
// for project 2 and one local, and returns its directory and the names of
// the files that are not project 1's.
func sendFixture(t *testing.T, srv *reportingtest.Server) (dir string, others map[string]string) {
	t.Helper()
	dir = t.TempDir()
	ob, err := outbox.Open(dir, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	write := func(id, dsn string) string {
		dest := ""
		if dsn != "" {
			if dest, err = outbox.Destination(dsn); err != nil {
				t.Fatal(err)
			}
		}
		ev := sentry.NewEvent()
		ev.EventID = sentry.EventID(id)
		ev.Message = "event " + id
		ev.Level = sentry.LevelError
		env, err := outbox.EncodeEvent(ev, dest)
		if err != nil {
			t.Fatal(err)
		}
		name, err := ob.Write(id, dest, env)
		if err != nil {
			t.Fatal(err)
		}
		return name
	}
	write("11111111111111111111111111111111", srv.DSN("1"))
	write("11111111111111111111111111111112", srv.DSN("1"))
	others = map[string]string{}
	for _, name := range []string{
		write("22222222222222222222222222222222", srv.DSN("2")),
		write("33333333333333333333333333333333", ""),
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		others[name] = string(data)
	}
	if err := ob.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, others
}

// pendingFiles returns the envelope files in dir (pending or claimed) and
// their contents.
func pendingFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	l, err := outbox.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range l.Envelopes {
		if f.State == outbox.Rejected {
			continue
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(data)
	}
	return out
}

// TestSendUp: send delivers the project's envelopes to the fake Sentry,
// removes them, and leaves the other project's and the local envelopes
// exactly as they were.
func TestSendUp(t *testing.T) {
	srv := reportingtest.NewServer()
	defer srv.Close()
	dir, others := sendFixture(t, srv)

	stdout, stderr, code := runCmd(t, "send", "-outbox", dir, "-dsn", srv.DSN("1"), "-timeout", "20s")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var got []string
	for _, ev := range srv.Events("1") {
		got = append(got, string(ev.EventID))
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"11111111111111111111111111111111", "11111111111111111111111111111112"}, got); diff != "" {
		t.Errorf("events received for project 1 mismatch (-want +got):\n%s", diff)
	}
	if n := len(srv.Events("2")); n != 0 {
		t.Errorf("project 2 received %d events; want none", n)
	}
	if diff := cmp.Diff(others, pendingFiles(t, dir)); diff != "" {
		t.Errorf("outbox after send mismatch (-want +got):\n%s", diff)
	}
	for _, want := range []string{"2 envelopes for ", "(not sent: 1 local, captured without a DSN; 1 for other projects)", "sent 2, left 0, rejected 0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout)
		}
	}
	key := strings.TrimPrefix(strings.SplitN(srv.DSN("1"), "@", 2)[0], "http://")
	if strings.Contains(stdout+stderr, key) {
		t.Errorf("the DSN's key is in the output:\n%s\n%s", stdout, stderr)
	}
}

// TestSendDown: with Sentry unreachable, send gives up at -timeout, keeps
// every envelope, says how many are left and why, and exits 1.
func TestSendDown(t *testing.T) {
	srv := reportingtest.NewServer()
	defer srv.Close()
	dsn := srv.DSN("1")
	srv.Set(reportingtest.Down())
	dir, _ := sendFixture(t, srv)
	before := pendingFiles(t, dir)

	stdout, stderr, code := runCmd(t, "send", "-outbox", dir, "-dsn", dsn, "-timeout", "1s")
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	if code != exitFailure {
		t.Fatalf("exit %d; want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if diff := cmp.Diff(before, pendingFiles(t, dir)); diff != "" {
		t.Errorf("envelopes were lost or changed (-before +after):\n%s", diff)
	}
	for _, want := range []string{"sent 0, left 2, rejected 0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout)
		}
	}
	if want := "2 envelopes left in the outbox: Sentry did not accept them before -timeout 1s"; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}

	// Back up: a second send delivers them.
	srv.Set(reportingtest.Up())
	stdout, stderr, code = runCmd(t, "send", "-outbox", dir, "-dsn", dsn, "-timeout", "20s")
	if code != exitOK || !strings.Contains(stdout, "sent 2, left 0") {
		t.Errorf("second send: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestSendNothing: a project with nothing in the outbox is not an error,
// and the outbox is not opened (nothing created).
func TestSendNothing(t *testing.T) {
	dir := fixture(t, "outbox")
	before := snapshot(t, dir)
	stdout, stderr, code := runCmd(t, "send", "-outbox", dir, "-dsn", "https://key@sentry.invalid/7")
	if code != exitOK || !strings.Contains(stdout, "0 envelopes for https://sentry.invalid/7") || !strings.Contains(stdout, "4 local") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("the outbox changed (-before +after):\n%s", diff)
	}
}

// TestSendRejected: envelopes Sentry refuses for good (400) are moved to
// rejected/ by the library's rules, and send names each with its reason
// and exits 1.
func TestSendRejected(t *testing.T) {
	srv := reportingtest.NewServer()
	defer srv.Close()
	srv.Set(reportingtest.Status(400, nil))
	dir, others := sendFixture(t, srv)
	stdout, stderr, code := runCmd(t, "send", "-outbox", dir, "-dsn", srv.DSN("1"), "-timeout", "20s")
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	if code != exitFailure || !strings.Contains(stdout, "sent 0, left 0, rejected 2") || strings.Count(stdout, "rejected by Sentry (kept in rejected/)") != 2 {
		t.Errorf("exit %d; want 1 and two rejections named", code)
	}
	if diff := cmp.Diff(others, pendingFiles(t, dir)); diff != "" {
		t.Errorf("outbox after send mismatch (-want +got):\n%s", diff)
	}
}

// TestSendHang: a Sentry that takes the request and never answers does
// not hold send past -timeout and the shutdown's bound; the envelopes stay.
func TestSendHang(t *testing.T) {
	srv := reportingtest.NewServer()
	defer srv.Close()
	srv.Set(reportingtest.Hang())
	dir, _ := sendFixture(t, srv)
	before := pendingFiles(t, dir)
	start := time.Now()
	stdout, stderr, code := runCmd(t, "send", "-outbox", dir, "-dsn", srv.DSN("1"), "-timeout", "1s")
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("send took %v with a hung Sentry; want about -timeout plus the shutdown's 5s at most", took)
	}
	if code != exitFailure || !strings.Contains(stdout, "sent 0, left 2") {
		t.Errorf("exit %d; want 1 with 2 left", code)
	}
	if diff := cmp.Diff(before, pendingFiles(t, dir)); diff != "" {
		t.Errorf("envelopes were lost or changed (-before +after):\n%s", diff)
	}
	srv.Set(reportingtest.Up()) // release the held request before goleak looks
}
