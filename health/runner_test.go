package health_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

var errDown = errors.New("connection refused")

func TestFlapping(t *testing.T) {
	changes := make(chan string, 64)
	r := setup(t, health.WithListener(func(c health.Change) {
		select {
		case changes <- c.From.String() + ">" + c.To.String():
		default:
			t.Error("more changes than the test expects")
		}
	}))
	sw := newSwitchable(nil)
	if err := r.Register("dep", sw, health.Every(2*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for i, err := range []error{nil, errDown, nil, errDown, nil} {
		sw.set(err)
		want := health.StatusPass
		if err != nil {
			want = health.StatusFail
		}
		s := waitFor(t, r, "status "+want.String(), func(s *health.Snapshot) bool {
			res, _ := s.Result("dep")
			return !res.Pending && res.Status == want
		})
		if got := s.Status(health.Readiness); got != want {
			t.Errorf("step %d: readiness %v, want %v", i, got, want)
		}
	}
	// Listeners run on their own goroutine: wait for each change.
	want := []string{"unknown>pass", "pass>fail", "fail>pass", "pass>fail", "fail>pass"}
	var got []string
	timeout := time.After(10 * time.Second)
	for len(got) < len(want) {
		select {
		case c := <-changes:
			got = append(got, c)
		case <-timeout:
			t.Fatalf("after 10s, changes %v, want %v", got, want)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes mismatch (-want +got):\n%s", diff)
	}
	res := result(t, r.Snapshot(), "dep")
	if res.Failures == 0 || res.Runs <= res.Failures {
		t.Errorf("counters: runs %d failures %d", res.Runs, res.Failures)
	}
}

func TestNonCriticalWarns(t *testing.T) {
	r := setup(t)
	if err := r.Register("cache", health.CheckFunc(func(context.Context) error { return errDown }),
		health.NonCritical(), health.Every(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, "first run", func(s *health.Snapshot) bool { return !result(t, s, "cache").Pending })
	got := []health.Status{s.Status(health.Readiness), result(t, s, "cache").Status}
	want := []health.Status{health.StatusWarn, health.StatusWarn}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses mismatch (-want +got):\n%s", diff)
	}
}

// A check that ignores its context is reported stuck after its timeout, is
// not started again while it hangs, and costs one goroutine however often
// the probes poll.
func TestHungCheck(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	r := setup(t)
	hung := health.CheckFunc(func(context.Context) error {
		calls.Add(1)
		<-release // ignores its context
		return nil
	})
	if err := r.Register("hung", hung, health.Every(time.Millisecond), health.Timeout(10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // runs before Stop

	s := waitFor(t, r, "stuck", func(s *health.Snapshot) bool { return result(t, s, "hung").Stuck })
	res := result(t, s, "hung")
	if res.Status != health.StatusFail || res.StuckRuns != 1 || errorsx.CodeOf(res.Err) != errorsx.DeadlineExceeded {
		t.Errorf("stuck result: status %v stuck runs %d err %v", res.Status, res.StuckRuns, res.Err)
	}
	if got := s.Status(health.Readiness); got != health.StatusFail {
		t.Errorf("readiness = %v, want fail", got)
	}

	h := r.Handler(health.Readiness)
	before := runtime.NumGoroutine()
	for range 1000 {
		if code := serve(h, "GET", "/readyz", nil).Code; code != 503 {
			t.Fatalf("probe answered %d, want 503", code)
		}
	}
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("goroutines grew from %d to %d during 1000 probes", before, after)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("hung check started %d times, want 1 (no second run while stuck)", n)
	}

	once.Do(func() { close(release) })
	waitFor(t, r, "recovery", func(s *health.Snapshot) bool {
		res := result(t, s, "hung")
		return !res.Stuck && res.Runs >= 2 && res.Status == health.StatusPass
	})
}

func TestTimeoutHonoured(t *testing.T) {
	r := setup(t)
	slow := health.CheckFunc(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	if err := r.Register("slow", slow, health.Every(time.Hour), health.Timeout(5*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, "timeout", func(s *health.Snapshot) bool { return result(t, s, "slow").Runs == 1 })
	res := result(t, s, "slow")
	got := []any{res.Status, res.Timeouts, res.Stuck, errorsx.CodeOf(res.Err), errors.Is(res.Err, context.DeadlineExceeded)}
	want := []any{health.StatusFail, uint64(1), false, errorsx.DeadlineExceeded, true}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b errorsx.Code) bool { return a == b })); diff != "" {
		t.Errorf("timed-out result mismatch (-want +got):\n%s", diff)
	}
}

func panicky(context.Context) error { panic("boom") }

func TestPanickingCheck(t *testing.T) {
	r := setup(t)
	if err := r.Register("panicky", health.CheckFunc(panicky), health.Every(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, "panic", func(s *health.Snapshot) bool { return result(t, s, "panicky").Runs == 1 })
	res := result(t, s, "panicky")
	if res.Status != health.StatusFail || res.Panics != 1 {
		t.Errorf("status %v panics %d, want fail 1", res.Status, res.Panics)
	}
	var fields []string
	for _, f := range errorsx.FieldsOf(res.Err) {
		fields = append(fields, f.Key+"="+f.Value.(string))
	}
	if diff := cmp.Diff([]string{"panic=boom"}, fields); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
	var stack []string
	for _, f := range errorsx.StackOf(res.Err) {
		stack = append(stack, f.Function)
	}
	if !strings.Contains(strings.Join(stack, "\n"), "health_test.panicky") {
		t.Errorf("stack does not name the panicking function:\n%s", strings.Join(stack, "\n"))
	}
}

// Pending checks fail readiness and startup but not liveness.
func TestPendingAndStartupLatch(t *testing.T) {
	gate := make(chan error)
	check := health.CheckFunc(func(ctx context.Context) error {
		select {
		case err := <-gate:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	// Given to Setup: startup waits for it. (Registered later, it would
	// find startup passed already, and startup stays passed.)
	r := setup(t, health.WithCheck("warmup", check, health.For(health.Liveness|health.Readiness|health.Startup),
		health.Every(time.Millisecond), health.Timeout(time.Minute)))
	probes := func() []health.Status {
		s := r.Snapshot()
		return []health.Status{s.Status(health.Liveness), s.Status(health.Readiness), s.Status(health.Startup)}
	}
	if diff := cmp.Diff([]health.Status{health.StatusPass, health.StatusFail, health.StatusFail}, probes()); diff != "" {
		t.Errorf("pending: live/ready/startup mismatch (-want +got):\n%s", diff)
	}
	gate <- nil
	waitFor(t, r, "pass", func(s *health.Snapshot) bool { return result(t, s, "warmup").Runs == 1 })
	gate <- errDown
	waitFor(t, r, "fail", func(s *health.Snapshot) bool { return result(t, s, "warmup").Runs == 2 })
	if diff := cmp.Diff([]health.Status{health.StatusFail, health.StatusFail, health.StatusPass}, probes()); diff != "" {
		t.Errorf("after pass then fail: live/ready/startup mismatch (-want +got):\n%s", diff)
	}
}

// A listener that blocks delays nothing but other listeners.
func TestBlockingListener(t *testing.T) {
	block := make(chan struct{})
	var calls atomic.Int32
	r := setup(t, health.WithListener(func(health.Change) {
		calls.Add(1)
		<-block
	}))
	sw := newSwitchable(nil)
	if err := r.Register("dep", sw, health.Every(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(block) })
	for _, err := range []error{errDown, nil, errDown} {
		sw.set(err)
		want := health.StatusPass
		if err != nil {
			want = health.StatusFail
		}
		waitFor(t, r, want.String(), func(s *health.Snapshot) bool { return result(t, s, "dep").Status == want })
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("listener called %d times while blocked, want 1", n)
	}
}

// Shutdown reports a check that does not return.
func TestShutdownReportsStuck(t *testing.T) {
	release := make(chan struct{})
	hung := health.CheckFunc(func(context.Context) error { <-release; return nil })
	r, err := health.Setup(context.Background(), health.WithCheck("hung", hung, health.Timeout(time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, "stuck", func(s *health.Snapshot) bool { return result(t, s, "hung").Stuck })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = r.Shutdown(ctx)
	got := []any{errorsx.CodeOf(err).String(), errorsx.FieldsOf(err)[0].Value}
	if diff := cmp.Diff([]any{"deadline_exceeded", "hung"}, got); diff != "" {
		t.Errorf("Shutdown error mismatch (-want +got):\n%s", diff)
	}
	close(release)
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

// A slow check keeps its last result published while it runs: probes do
// not wait for it.
func TestSlowCheckDoesNotBlockProbes(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	var runs atomic.Int32
	slow := health.CheckFunc(func(ctx context.Context) error {
		if runs.Add(1) == 1 {
			return nil // the first run passes at once
		}
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	r := setup(t)
	if err := r.Register("slow", slow, health.Every(time.Millisecond), health.Timeout(time.Minute)); err != nil {
		t.Fatal(err)
	}
	<-started // the second run is in flight and will not return by itself
	defer close(release)
	h := r.Handler(health.Readiness)
	for range 100 {
		if w := serve(h, "GET", "/readyz", nil); w.Code != 200 || w.Body.String() != "pass\n" {
			t.Fatalf("probe during a slow run: %d %q, want 200 pass", w.Code, w.Body)
		}
	}
	if res := result(t, r.Snapshot(), "slow"); res.Runs != 1 || res.Stuck {
		t.Errorf("during the slow run: runs %d stuck %v, want 1 false", res.Runs, res.Stuck)
	}
}

// Each change of status is one log line with the check, the statuses and
// the reason; runs that do not change the status log nothing. A failure is
// a warning, and its line stays useful where the structured error is
// dropped: a core that makes Sentry breadcrumbs of warn lines (package
// reporting's) leaves out the "error" field, so the reason is also a
// plain string.
func TestLogPerChange(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	sw := newSwitchable(nil)
	r := setup(t, health.WithLogger(zap.New(core)), health.WithCheck("dep", sw, health.Every(time.Millisecond)))
	waitFor(t, r, "3 runs", func(s *health.Snapshot) bool { return result(t, s, "dep").Runs >= 3 })
	sw.set(errorsx.Unavailable.New("connection refused", "addr", "db:5432", "password", errorsx.Secret("hunter2")))
	waitFor(t, r, "fail", func(s *health.Snapshot) bool { return result(t, s, "dep").Status == health.StatusFail })
	runs := result(t, r.Snapshot(), "dep").Runs
	waitFor(t, r, "3 more runs", func(s *health.Snapshot) bool { return result(t, s, "dep").Runs >= runs+3 })
	sw.set(nil)
	waitFor(t, r, "pass", func(s *health.Snapshot) bool { return result(t, s, "dep").Status == health.StatusPass })
	// A change is logged right after it is published, by the goroutine
	// that runs the check: once it has published the next run, the line is
	// written.
	runs = result(t, r.Snapshot(), "dep").Runs
	waitFor(t, r, "one more run", func(s *health.Snapshot) bool { return result(t, s, "dep").Runs > runs })

	type line struct {
		Level      zapcore.Level
		Msg        string
		Breadcrumb map[string]any // the fields but "error", as a breadcrumb's data
		Error      string         // the structured error's message
	}
	var got []line
	for _, e := range logs.All() {
		m := e.ContextMap()
		l := line{Level: e.Level, Msg: e.Message, Breadcrumb: map[string]any{}}
		for k, v := range m {
			if k != "error" && k != "duration" {
				l.Breadcrumb[k] = v
			}
		}
		if ev, ok := m["error"].(map[string]any); ok {
			l.Error = ev["message"].(string)
		}
		got = append(got, l)
	}
	fields := func(from, to string, extra ...any) map[string]any {
		m := map[string]any{"check": "dep", "from": from, "to": to, "probes": "readiness", "critical": true}
		for i := 0; i < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	want := []line{
		{zapcore.InfoLevel, "health check status changed", fields("pending", "pass"), ""},
		{zapcore.WarnLevel, "health check status changed", fields("pass", "fail",
			"reason", "connection refused (addr=db:5432, password=[REDACTED])"), "connection refused"},
		{zapcore.InfoLevel, "health check status changed", fields("fail", "pass"), ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines mismatch (-want +got):\n%s", diff)
	}
}

// Shutdown delivers every change the checks made before they stopped,
// even one made a moment before: a listener that reports a failure must
// not lose the last one to the shutdown.
func TestShutdownDeliversQueuedChanges(t *testing.T) {
	for i := range 50 {
		var mu sync.Mutex
		var seen []health.Status
		r, err := health.Setup(context.Background(),
			health.WithListener(func(ch health.Change) {
				mu.Lock()
				seen = append(seen, ch.To)
				mu.Unlock()
			}),
			health.WithCheck("dep", health.CheckFunc(func(context.Context) error { return errDown }), health.Every(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, r, "fail", func(s *health.Snapshot) bool { return !result(t, s, "dep").Pending })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = r.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := append([]health.Status(nil), seen...)
		mu.Unlock()
		if diff := cmp.Diff([]health.Status{health.StatusFail}, got); diff != "" {
			t.Fatalf("run %d: changes the listener saw (-want +got):\n%s", i, diff)
		}
	}
}
