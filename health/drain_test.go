package health_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/health"
)

func TestDrain(t *testing.T) {
	tests := []struct {
		name      string
		opts      []health.Option
		readyCode int
	}{
		{"503", nil, 503},
		{"disable-on-404", []health.Option{health.WithDrainNotFound()}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const delay = 50 * time.Millisecond
			r := setup(t, append(tt.opts, health.WithDrainDelay(delay), health.WithCheck("db", pass, health.Every(time.Hour)))...)
			waitFor(t, r, "first run", func(s *health.Snapshot) bool { return !result(t, s, "db").Pending })

			inFlight, release := make(chan struct{}), make(chan struct{})
			mux := http.NewServeMux()
			r.Handle(mux)
			mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
				close(inFlight)
				<-release
				_, _ = io.WriteString(w, "done")
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: mux}
			shutdownBegan := make(chan struct{})
			srv.RegisterOnShutdown(func() { close(shutdownBegan) })
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			base := "http://" + ln.Addr().String()
			get := func(path string) int {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Errorf("GET %s: %v", path, err)
					return 0
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if diff := cmp.Diff([]int{200, 200}, []int{get("/readyz"), get("/livez")}); diff != "" {
				t.Errorf("before drain (-want +got):\n%s", diff)
			}

			slow := make(chan string, 1)
			go func() {
				resp, err := http.Get(base + "/slow")
				if err != nil {
					slow <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				slow <- string(b)
			}()
			<-inFlight

			// Drain's first step: readiness fails, liveness passes, the
			// server serves.
			r.MarkDraining()
			select {
			case <-r.Draining():
			default:
				t.Error("Draining() not closed after MarkDraining")
			}
			if diff := cmp.Diff([]int{tt.readyCode, tt.readyCode, 200}, []int{get("/readyz"), get("/healthz"), get("/livez")}); diff != "" {
				t.Errorf("while draining: readyz, healthz, livez (-want +got):\n%s", diff)
			}

			drained := make(chan error, 1)
			began := time.Now()
			go func() { drained <- r.Drain(context.Background(), srv) }()
			// Release the in-flight request once Shutdown has begun:
			// Shutdown must wait for it.
			<-shutdownBegan
			close(release)
			if got := <-slow; got != "done" {
				t.Errorf("in-flight request got %q, want done", got)
			}
			if err := <-drained; err != nil {
				t.Errorf("Drain: %v", err)
			}
			if d := time.Since(began); d < delay {
				t.Errorf("Drain returned after %v, before the drain delay %v", d, delay)
			}
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		})
	}
}

// Drain fails readiness at once, keeps it failing for the drain delay and
// only then stops; a context that ends cuts the delay short. In a synctest
// bubble, time moves only when every goroutine waits, so the delay is
// exact.
func TestDrainDelay(t *testing.T) {
	tests := []struct {
		name  string
		opts  []health.Option
		delay time.Duration
	}{
		{"default", nil, health.DefaultDrainDelay},
		{"WithDrainDelay", []health.Option{health.WithDrainDelay(3 * time.Second)}, 3 * time.Second},
		{"WithDrainDelay(0) is the default", []health.Option{health.WithDrainDelay(0)}, health.DefaultDrainDelay},
		{"WithoutDrainDelay", []health.Option{health.WithoutDrainDelay()}, 0},
		{"the last option wins", []health.Option{health.WithoutDrainDelay(), health.WithDrainDelay(time.Second)}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := health.Setup(context.Background(), append(tt.opts, health.WithCheck("db", pass, health.Every(time.Hour)))...)
				if err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if got := r.Snapshot().Status(health.Readiness); got != health.StatusPass {
					t.Fatalf("readiness %v before drain, want pass", got)
				}
				began := time.Now()
				drained := make(chan error, 1)
				go func() { drained <- r.Drain(context.Background(), nil) }()
				synctest.Wait()
				s := r.Snapshot()
				if diff := cmp.Diff([]health.Status{health.StatusFail, health.StatusPass}, []health.Status{s.Status(health.Readiness), s.Status(health.Liveness)}); diff != "" {
					t.Errorf("readiness, liveness while draining (-want +got):\n%s", diff)
				}
				if s.Stopped() != (tt.delay == 0) {
					t.Errorf("stopped %v at once, want %v", s.Stopped(), tt.delay == 0)
				}
				if err := <-drained; err != nil {
					t.Errorf("Drain: %v", err)
				}
				if d := time.Since(began); d != tt.delay {
					t.Errorf("Drain returned after %v, want the drain delay %v", d, tt.delay)
				}
				if !r.Snapshot().Stopped() {
					t.Error("not stopped after Drain")
				}
			})
		})
	}
	t.Run("context ends first", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r, err := health.Setup(context.Background(), health.WithDrainDelay(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			began := time.Now()
			if err := r.Drain(ctx, nil); err != nil {
				t.Errorf("Drain: %v", err)
			}
			if d := time.Since(began); d != time.Second {
				t.Errorf("Drain returned after %v, want 1s (its context's deadline)", d)
			}
		})
	})
}

func TestDrainDelayAccessor(t *testing.T) {
	for _, tc := range []struct {
		opt  health.Option
		want time.Duration
	}{
		{nil, health.DefaultDrainDelay},
		{health.WithDrainDelay(0), health.DefaultDrainDelay},
		{health.WithDrainDelay(3 * time.Second), 3 * time.Second},
		{health.WithoutDrainDelay(), 0},
	} {
		reg, err := health.Setup(context.Background(), tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := reg.DrainDelay(); got != tc.want {
			t.Errorf("DrainDelay() = %v, want %v", got, tc.want)
		}
		_ = reg.Shutdown(context.Background())
	}
}
