package supportkit_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/health"
)

// flappy is a check whose result the test sets.
type flappy struct{ fail atomic.Bool }

func (f *flappy) Check(context.Context) error {
	if f.fail.Load() {
		return errors.New("inventory answered 503")
	}
	return nil
}

// waitStatus waits, without sleeping, until the check's published status
// is want.
func waitStatus(t *testing.T, reg *health.Registry, check string, want health.Status) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		snap := reg.Snapshot()
		if res, ok := snap.Result(check); ok && !res.Pending && res.Status == want {
			return
		}
		select {
		case <-snap.Next():
		case <-deadline:
			t.Fatalf("check %s never became %v", check, want)
		}
	}
}

// waitLogged waits until the check has run once more: the goroutine that
// runs it logs a change right after publishing it, so the line (and its
// breadcrumb) is then written.
func waitLogged(t *testing.T, reg *health.Registry, check string) {
	t.Helper()
	res, _ := reg.Snapshot().Result(check)
	deadline := time.After(10 * time.Second)
	for {
		snap := reg.Snapshot()
		if r, ok := snap.Result(check); ok && r.Runs > res.Runs {
			return
		}
		select {
		case <-snap.Next():
		case <-deadline:
			t.Fatalf("check %s did not run again", check)
		}
	}
}

// TestHealthChangeIsABreadcrumb: a check turning to fail is a warn log
// line and a breadcrumb of the events that follow, never an event of its
// own (issue 13, point 5).
func TestHealthChangeIsABreadcrumb(t *testing.T) {
	dep := &flappy{}
	r := newRig(t, supportkit.WithHealth(health.WithCheck("inventory", dep, health.Every(5*time.Millisecond))))
	waitStatus(t, r.sk.Health(), "inventory", health.StatusPass)
	dep.fail.Store(true)
	waitStatus(t, r.sk.Health(), "inventory", health.StatusFail)
	waitLogged(t, r.sk.Health(), "inventory")

	h := r.sk.Handler(app(r.sk))
	get(t, h, "GET", "/fail")
	r.flush(t)

	var changes []zapcore.Level
	for _, l := range logsWith(r.logs, "health check status changed") {
		if l.ContextMap()["to"] == "fail" {
			changes = append(changes, l.Level)
		}
	}
	if len(changes) == 0 || changes[0] != zapcore.WarnLevel {
		t.Fatalf("turn to fail logged at %v, want one warn line", changes)
	}
	events := r.events.Events()
	if len(events) != 1 {
		t.Fatalf("want only the /fail event, got %d events", len(events))
	}
	found := false
	for _, b := range events[0].Breadcrumbs {
		if b.Message == "health check status changed" && b.Data["check"] == "inventory" && b.Data["to"] == "fail" {
			found = true
		}
	}
	if !found {
		var msgs []string
		for _, b := range events[0].Breadcrumbs {
			msgs = append(msgs, b.Message)
		}
		t.Errorf("the /fail event has no breadcrumb of the check's failure; breadcrumbs: %q", msgs)
	}
}

// TestHealthEvents: with WithHealthEvents, a critical check's turn to
// fail is also an event.
func TestHealthEvents(t *testing.T) {
	dep := &flappy{}
	dep.fail.Store(true)
	r := newRig(t, supportkit.WithHealthEvents(),
		supportkit.WithHealth(health.WithCheck("inventory", dep, health.Every(5*time.Millisecond))))
	waitStatus(t, r.sk.Health(), "inventory", health.StatusFail)
	waitLogged(t, r.sk.Health(), "inventory") // the change is queued for the listener
	r.flush(t)
	events := r.events.Events()
	if len(events) != 1 {
		t.Fatalf("want 1 event, got %d", len(events))
	}
	if msg := events[0].Exception[len(events[0].Exception)-1].Value; !strings.Contains(msg, "inventory") {
		t.Errorf("event %q does not name the check", msg)
	}
}
