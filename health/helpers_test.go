package health_test

import (
	"context"
	"testing"
	"time"

	"github.com/supportkit/supportkit/health"
)

// setup sets a registry up and shuts it down when the test ends.
func setup(tb testing.TB, opts ...health.Option) *health.Registry {
	tb.Helper()
	r, err := health.Setup(context.Background(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
	})
	return r
}

// waitFor waits until cond holds for a published snapshot.
func waitFor(t *testing.T, r *health.Registry, what string, cond func(*health.Snapshot) bool) *health.Snapshot {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s := r.Snapshot()
		if cond(s) {
			return s
		}
		select {
		case <-s.Next():
		case <-deadline:
			t.Fatalf("timed out waiting for %s; results: %+v", what, r.Snapshot().Results())
		}
	}
}

func result(t *testing.T, s *health.Snapshot, name string) health.Result {
	t.Helper()
	res, ok := s.Result(name)
	if !ok {
		t.Fatalf("no result for %q", name)
	}
	return res
}

// switchable is a check whose outcome the test sets.
type switchable struct{ err chan error }

func newSwitchable(err error) *switchable {
	s := &switchable{err: make(chan error, 1)}
	s.err <- err
	return s
}

func (s *switchable) set(err error) { <-s.err; s.err <- err }

func (s *switchable) Check(context.Context) error {
	err := <-s.err
	s.err <- err
	return err
}
