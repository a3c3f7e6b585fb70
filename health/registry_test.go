package health_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

var pass = health.CheckFunc(func(context.Context) error { return nil })

const reserved = "health: check name is reserved for a probe"

func TestRegisterErrors(t *testing.T) {
	tests := []struct {
		name    string
		check   string
		checker health.Checker
		opts    []health.CheckOption
		code    errorsx.Code
		msg     string
	}{
		{"ok", "db", pass, nil, errorsx.Code{}, ""},
		{"duplicate", "dup", pass, nil, errorsx.AlreadyExists, "health: duplicate check name"},
		{"empty name", "", pass, nil, errorsx.InvalidArgument, "health: check name must be non-empty, without '/', ',', '?', ':' or spaces"},
		{"slash in name", "a/b", pass, nil, errorsx.InvalidArgument, "health: check name must be non-empty, without '/', ',', '?', ':' or spaces"},
		{"nil checker", "x", nil, nil, errorsx.InvalidArgument, "health: nil checker"},
		{"nil func", "x", health.CheckFunc(nil), nil, errorsx.InvalidArgument, "health: nil checker"},
		{"zero interval", "x", pass, []health.CheckOption{health.Every(0)}, errorsx.InvalidArgument, "health: interval must be positive"},
		{"negative interval", "x", pass, []health.CheckOption{health.Every(-time.Second)}, errorsx.InvalidArgument, "health: interval must be positive"},
		{"zero timeout", "x", pass, []health.CheckOption{health.Timeout(0)}, errorsx.InvalidArgument, "health: timeout must be positive"},
		{"negative timeout", "x", pass, []health.CheckOption{health.Timeout(-1)}, errorsx.InvalidArgument, "health: timeout must be positive"},
		{"no probe", "x", pass, []health.CheckOption{health.For(0)}, errorsx.InvalidArgument, "health: a check must belong to liveness, readiness or startup"},
		// A check named after a probe would shadow it in gRPC's Check and
		// List (service "liveness" is the liveness probe).
		{"liveness", "liveness", pass, nil, errorsx.InvalidArgument, reserved},
		{"readiness", "readiness", pass, nil, errorsx.InvalidArgument, reserved},
		{"startup", "startup", pass, nil, errorsx.InvalidArgument, reserved},
		{"probe name in other case", "Liveness", pass, nil, errorsx.InvalidArgument, reserved},
		{"HTTP probe path", "readyz", pass, nil, errorsx.InvalidArgument, reserved},
		{"healthz", "healthz", pass, nil, errorsx.InvalidArgument, reserved},
		// ':' separates component and measurement in health+json keys.
		{"colon", "db:primary", pass, nil, errorsx.InvalidArgument, "health: check name must be non-empty, without '/', ',', '?', ':' or spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := health.New()
			if err := r.Register("dup", pass); err != nil {
				t.Fatal(err)
			}
			err := r.Register(tt.check, tt.checker, tt.opts...)
			var msg string
			var e *errorsx.Error
			if errors.As(err, &e) {
				msg = e.Message()
			}
			if diff := cmp.Diff(tt.msg, msg); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
			if got := errorsx.CodeOf(err); err != nil && got != tt.code {
				t.Errorf("code = %v, want %v", got, tt.code)
			}
			if (err == nil) != (tt.msg == "") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestRegisterAfterStart(t *testing.T) {
	r := health.New()
	start(t, r)
	err := r.Register("late", pass)
	if got := errorsx.CodeOf(err); got != errorsx.FailedPrecondition {
		t.Errorf("Register after Start: code %v (err %v), want failed_precondition", got, err)
	}
	if err := r.Start(context.Background()); errorsx.CodeOf(err) != errorsx.FailedPrecondition {
		t.Errorf("second Start: %v, want failed_precondition", err)
	}
}

// Stop, or the end of Start's context, publishes a last snapshot marked
// stopped (grpchealth ends its Watch streams on it).
func TestStoppedSnapshot(t *testing.T) {
	t.Run("Stop", func(t *testing.T) {
		r := health.New()
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		s := r.Snapshot()
		if s.Stopped() {
			t.Fatal("stopped before Stop")
		}
		if err := r.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-s.Next()
		if !r.Snapshot().Stopped() {
			t.Error("not stopped after Stop")
		}
	})
	t.Run("Start's context ends", func(t *testing.T) {
		r := health.New()
		ctx, cancel := context.WithCancel(context.Background())
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Stop(context.Background()) })
		cancel()
		waitFor(t, r, "stopped", (*health.Snapshot).Stopped)
	})
}
