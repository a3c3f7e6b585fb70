package health_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

var pass = health.CheckFunc(func(context.Context) error { return nil })

const (
	reserved  = "health: check name is reserved for a probe"
	malformed = "health: check name must be non-empty, without '/', ',', '?', ':' or spaces"
)

// problem is what a test compares of an error: its code, its messages
// (one per joined error) and its fields.
type problem struct {
	Code   string
	Msgs   []string
	Fields map[string]any
}

func problemOf(err error) problem {
	if err == nil {
		return problem{}
	}
	p := problem{Code: errorsx.CodeOf(err).String(), Fields: map[string]any{}}
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var e *errorsx.Error
		if errors.As(err, &e) && e.Message() != "" {
			p.Msgs = append(p.Msgs, e.Message())
		} else if errors.As(err, &e) {
			walk(errors.Unwrap(e))
		} else {
			p.Msgs = append(p.Msgs, err.Error())
		}
		for _, f := range errorsx.FieldsOf(err) {
			p.Fields[f.Key] = f.Value
		}
	}
	walk(err)
	return p
}

func TestRegisterErrors(t *testing.T) {
	tests := []struct {
		name    string
		check   string
		checker health.Checker
		opts    []health.CheckOption
		want    problem
	}{
		{"ok", "db", pass, nil, problem{}},
		{"duplicate", "dup", pass, nil, problem{"already_exists", []string{"health: duplicate check name"}, map[string]any{"check": "dup"}}},
		{"empty name", "", pass, nil, problem{"invalid_argument", []string{malformed}, map[string]any{"check": ""}}},
		{"slash in name", "a/b", pass, nil, problem{"invalid_argument", []string{malformed}, map[string]any{"check": "a/b"}}},
		{"nil checker", "x", nil, nil, problem{"invalid_argument", []string{"health: nil checker"}, map[string]any{"check": "x"}}},
		{"nil func", "x", health.CheckFunc(nil), nil, problem{"invalid_argument", []string{"health: nil checker"}, map[string]any{"check": "x"}}},
		{"nil measure func", "x", health.MeasureFunc(nil), nil, problem{"invalid_argument", []string{"health: nil checker"}, map[string]any{"check": "x"}}},
		// A check named after a probe would shadow it in gRPC's Check and
		// List (service "liveness" is the liveness probe).
		{"liveness", "liveness", pass, nil, problem{"invalid_argument", []string{reserved}, map[string]any{"check": "liveness"}}},
		{"readiness", "readiness", pass, nil, problem{"invalid_argument", []string{reserved}, map[string]any{"check": "readiness"}}},
		{"startup", "startup", pass, nil, problem{"invalid_argument", []string{reserved}, map[string]any{"check": "startup"}}},
		{"probe name in other case", "Liveness", pass, nil, problem{"invalid_argument", []string{reserved}, map[string]any{"check": "Liveness"}}},
		{"HTTP probe path", "readyz", pass, nil, problem{"invalid_argument", []string{reserved}, map[string]any{"check": "readyz"}}},
		{"healthz", "healthz", pass, nil, problem{"invalid_argument", []string{reserved}, map[string]any{"check": "healthz"}}},
		// ':' separates component and measurement in health+json keys.
		{"colon", "db:primary", pass, nil, problem{"invalid_argument", []string{malformed}, map[string]any{"check": "db:primary"}}},
		{"bad option", "x", pass, []health.CheckOption{health.Every(-time.Second)},
			problem{"invalid_argument", []string{"health: Every must not be negative"}, map[string]any{"check": "x", "option": "Every", "value": "-1s"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup(t, health.WithCheck("dup", pass))
			got := problemOf(r.Register(tt.check, tt.checker, tt.opts...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Register mismatch (-want +got):\n%s", diff)
			}
		})
		// The same check given to Setup fails Setup, which starts nothing.
		t.Run(tt.name+" at Setup", func(t *testing.T) {
			r, err := health.Setup(context.Background(), health.WithCheck("dup", pass), health.WithCheck(tt.check, tt.checker, tt.opts...))
			if diff := cmp.Diff(tt.want, problemOf(err)); diff != "" {
				t.Errorf("Setup mismatch (-want +got):\n%s", diff)
			}
			if (r == nil) == (err == nil) {
				t.Errorf("Setup returned registry %v and error %v, want exactly one", r, err)
			}
			if r != nil {
				_ = r.Shutdown(context.Background())
			}
		})
	}
}

// Zero values of the options are the documented defaults; values out of
// range are InvalidArgument errors naming the option and the value, from
// Setup (registry options) or Register (check options).
func TestOptionValues(t *testing.T) {
	type conf struct {
		Interval, Timeout time.Duration
		Sets              health.Set
	}
	defaults := conf{health.DefaultInterval, health.DefaultTimeout, health.Readiness}
	bad := func(msg, option string, value any) problem {
		return problem{"invalid_argument", []string{msg}, map[string]any{"option": option, "value": value}}
	}
	tests := []struct {
		name     string
		opts     []health.Option
		check    []health.CheckOption
		want     problem
		wantConf conf
	}{
		{"no option", nil, nil, problem{}, defaults},
		{"Every(0) is the default", nil, []health.CheckOption{health.Every(0)}, problem{}, defaults},
		{"Timeout(0) is the default", nil, []health.CheckOption{health.Timeout(0)}, problem{}, defaults},
		{"For(0) is the default", nil, []health.CheckOption{health.For(0)}, problem{}, defaults},
		{"values", nil, []health.CheckOption{health.Every(time.Minute), health.Timeout(time.Hour), health.For(health.Liveness | health.Startup)}, problem{},
			conf{time.Minute, time.Hour, health.Liveness | health.Startup}},
		{"WithJitter(0) is the default", []health.Option{health.WithJitter(0)}, nil, problem{}, defaults},
		{"WithJitter(0.99)", []health.Option{health.WithJitter(0.99)}, nil, problem{}, defaults},
		{"WithDrainDelay(0) is the default", []health.Option{health.WithDrainDelay(0)}, nil, problem{}, defaults},
		{"nil logger, listener, authorize", []health.Option{health.WithLogger(nil), health.WithListener(nil), health.WithDetails(nil)}, nil, problem{}, defaults},
		{"nil options", []health.Option{nil}, []health.CheckOption{nil}, problem{}, defaults},

		{"Every negative", nil, []health.CheckOption{health.Every(-time.Second)},
			problem{"invalid_argument", []string{"health: Every must not be negative"}, map[string]any{"check": "c", "option": "Every", "value": "-1s"}}, conf{}},
		{"Timeout negative", nil, []health.CheckOption{health.Timeout(-time.Millisecond)},
			problem{"invalid_argument", []string{"health: Timeout must not be negative"}, map[string]any{"check": "c", "option": "Timeout", "value": "-1ms"}}, conf{}},
		{"For with unknown bits", nil, []health.CheckOption{health.For(health.Readiness | 8)},
			problem{"invalid_argument", []string{"health: For takes Liveness, Readiness and Startup only"}, map[string]any{"check": "c", "option": "For", "value": 10}}, conf{}},
		{"WithJitter negative", []health.Option{health.WithJitter(-0.1)}, nil, bad("health: WithJitter must be in [0, 1)", "WithJitter", -0.1), conf{}},
		{"WithJitter 1", []health.Option{health.WithJitter(1)}, nil, bad("health: WithJitter must be in [0, 1)", "WithJitter", 1.0), conf{}},
		{"WithJitter NaN", []health.Option{health.WithJitter(math.NaN())}, nil, bad("health: WithJitter must be in [0, 1)", "WithJitter", "NaN"), conf{}},
		{"WithDrainDelay negative", []health.Option{health.WithDrainDelay(-time.Second)}, nil, bad("health: WithDrainDelay must not be negative", "WithDrainDelay", "-1s"), conf{}},
		{"every error at once", []health.Option{health.WithJitter(2), health.WithDrainDelay(-1)}, []health.CheckOption{health.Every(-1), health.Timeout(-1)},
			problem{"invalid_argument", []string{
				"health: WithJitter must be in [0, 1)", "health: WithDrainDelay must not be negative",
				"health: Every must not be negative", "health: Timeout must not be negative",
			}, map[string]any{"check": "c", "option": "Timeout", "value": "-1ns"}}, conf{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := health.Setup(context.Background(), append(tt.opts, health.WithCheck("c", pass, tt.check...))...)
			got := problemOf(err)
			// NaN is not equal to itself: compare its text.
			if v, ok := got.Fields["value"].(float64); ok && math.IsNaN(v) {
				got.Fields["value"] = "NaN"
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Setup error mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				if r != nil {
					t.Error("Setup returned a registry with its error")
				}
				return
			}
			t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
			res, _ := r.Snapshot().Result("c")
			if diff := cmp.Diff(tt.wantConf, conf{res.Interval, res.Timeout, res.Sets}); diff != "" {
				t.Errorf("check configuration mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// WithLogger(nil) means no log output, even after another WithLogger;
// WithDetails(nil) shows nobody the error text.
func TestNilOptions(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	r := setup(t,
		health.WithLogger(zap.New(core)), health.WithLogger(nil),
		health.WithDetails(func(*http.Request) bool { return true }), health.WithDetails(nil),
		health.WithListener(nil),
		health.WithCheck("db", health.CheckFunc(func(context.Context) error { return errDown })))
	waitFor(t, r, "first run", func(s *health.Snapshot) bool { return !result(t, s, "db").Pending })
	r.MarkDraining()
	if n := logs.Len(); n != 0 {
		t.Errorf("%d log lines with WithLogger(nil), want none: %v", n, logs.All())
	}
	body := serve(r.Handler(health.Readiness), "GET", "/readyz?verbose", nil).Body.String()
	if strings.Contains(body, "output") || strings.Contains(body, errDown.Error()) {
		t.Errorf("WithDetails(nil) shows the error text: %s", body)
	}
}

// A check registered after Setup starts at once and runs on its interval;
// until its first run ends it fails readiness, not liveness.
func TestRegisterAfterSetup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := health.Setup(context.Background(), health.WithCheck("db", pass, health.Every(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Shutdown(context.Background())
		synctest.Wait()
		if got := r.Snapshot().Status(health.Readiness); got != health.StatusPass {
			t.Fatalf("readiness %v before Register, want pass", got)
		}

		gate := make(chan struct{})
		var mu sync.Mutex
		var runs []time.Duration
		began := time.Now()
		late := health.CheckFunc(func(ctx context.Context) error {
			mu.Lock()
			runs = append(runs, time.Since(began))
			mu.Unlock()
			<-gate
			return nil
		})
		if err := r.Register("late", late, health.Every(time.Minute), health.Timeout(time.Hour), health.For(health.Liveness|health.Readiness)); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the first run has started, without time passing
		s := r.Snapshot()
		if diff := cmp.Diff([]health.Status{health.StatusFail, health.StatusPass}, []health.Status{s.Status(health.Readiness), s.Status(health.Liveness)}); diff != "" {
			t.Errorf("readiness, liveness while the late check's first run is in flight (-want +got):\n%s", diff)
		}
		close(gate)
		synctest.Wait()
		if got := r.Snapshot().Status(health.Readiness); got != health.StatusPass {
			t.Errorf("readiness %v after the late check's first run, want pass", got)
		}
		time.Sleep(3*time.Minute + 30*time.Second) // the jitter is at most ±10 %
		mu.Lock()
		defer mu.Unlock()
		if len(runs) != 4 || runs[0] != 0 {
			t.Fatalf("runs at %v, want at once and then every minute ± 10 %%", runs)
		}
		for i := 1; i < len(runs); i++ {
			if d := runs[i] - runs[i-1]; d < 54*time.Second || d > 66*time.Second {
				t.Errorf("run %d came %v after the previous, want a minute ± 10 %%", i, d)
			}
		}
	})
}

func TestRegisterAfterShutdown(t *testing.T) {
	r, err := health.Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := problemOf(r.Register("late", pass))
	want := problem{"failed_precondition", []string{"health: Register after Shutdown"}, map[string]any{"check": "late"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Register after Shutdown mismatch (-want +got):\n%s", diff)
	}
	if _, ok := r.Snapshot().Result("late"); ok {
		t.Error("a check registered after Shutdown is in the snapshot")
	}
}

// Setup's context gives its values to the checks, not its end: cancelling
// it does not stop them (a context cancelled on SIGTERM must not stop the
// checks before the drain). A context already done fails Setup.
func TestSetupContext(t *testing.T) {
	type key struct{}
	t.Run("values, not cancellation", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
			got := make(chan any, 100)
			r, err := health.Setup(ctx, health.WithCheck("c", health.CheckFunc(func(ctx context.Context) error {
				got <- ctx.Value(key{})
				return nil
			}), health.Every(time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Shutdown(context.Background())
			synctest.Wait()
			cancel()
			time.Sleep(5 * time.Second)
			if r.Snapshot().Stopped() {
				t.Error("stopped when Setup's context ended")
			}
			if res, _ := r.Snapshot().Result("c"); res.Runs < 4 {
				t.Errorf("%d runs in 5 s after Setup's context ended, want about 5", res.Runs)
			}
			if v := <-got; v != "v" {
				t.Errorf("the check's context has value %v, want Setup's v", v)
			}
		})
	})
	t.Run("done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r, err := health.Setup(ctx, health.WithCheck("c", pass))
		if r != nil || !errors.Is(err, context.Canceled) || errorsx.CodeOf(err) != errorsx.Canceled {
			t.Errorf("Setup with a done context: %v, %v; want nil and canceled", r, err)
		}
	})
}

// Shutdown publishes a last snapshot marked stopped (grpchealth ends its
// Watch streams on it), and may be called again, from several goroutines.
func TestShutdown(t *testing.T) {
	r, err := health.Setup(context.Background(), health.WithCheck("db", pass, health.Every(time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	if s.Stopped() {
		t.Fatal("stopped before Shutdown")
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = r.Shutdown(context.Background()) })
	}
	wg.Wait()
	if diff := cmp.Diff(make([]error, 4), errs, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("concurrent Shutdown errors (-want +got):\n%s", diff)
	}
	<-s.Next()
	final := r.Snapshot()
	if !final.Stopped() {
		t.Error("not stopped after Shutdown")
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown again: %v", err)
	}
	select {
	case <-final.Next():
		t.Error("a snapshot was published after Shutdown")
	default:
	}
}

// Register, probes and Shutdown from many goroutines at once: every
// Register either succeeds, and its check is in the last snapshot, or
// fails with failed_precondition because Shutdown came first; no check
// goroutine outlives Shutdown (goleak, in TestMain, checks).
func TestRegisterDuringShutdown(t *testing.T) {
	r, err := health.Setup(context.Background(), health.WithListener(func(health.Change) {}))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Handler(health.Readiness)
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = r.Register("c"+strconv.Itoa(i), pass, health.Every(time.Millisecond))
			serve(h, "GET", "/readyz", nil)
		})
		if i == n/2 {
			wg.Go(func() {
				if err := r.Shutdown(context.Background()); err != nil {
					t.Errorf("Shutdown: %v", err)
				}
			})
		}
	}
	wg.Wait()
	final := r.Snapshot()
	if !final.Stopped() {
		t.Fatal("not stopped")
	}
	for i, err := range errs {
		_, registered := final.Result("c" + strconv.Itoa(i))
		switch {
		case err == nil && !registered:
			t.Errorf("c%d: Register succeeded, but the check is not in the last snapshot", i)
		case err != nil && (registered || errorsx.CodeOf(err) != errorsx.FailedPrecondition):
			t.Errorf("c%d: Register: %v (registered %v), want failed_precondition and no check", i, err, registered)
		}
	}
}
