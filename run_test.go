package supportkit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/tracing"
)

// serve starts r's service on a loopback listener with h and returns its
// base URL and Serve's result.
func serve(t *testing.T, ctx context.Context, r *rig, h http.Handler) (string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		done <- r.sk.Serve(ctx, ln, h)
	}()
	t.Cleanup(func() {
		select {
		case <-returned:
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return "http://" + ln.Addr().String(), done
}

func status(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestServeDrainsThenFlushes: when the context ends, readiness fails at
// once while requests are still served, the request in flight finishes,
// and what the requests reported is delivered before Serve returns nil.
func TestServeDrainsThenFlushes(t *testing.T) {
	r := newRig(t, supportkit.WithHealth(health.WithDrainDelay(200*time.Millisecond)))
	mux := app(r.sk)
	release := make(chan struct{})
	started := make(chan struct{})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		w.WriteHeader(http.StatusOK)
	})
	ctx, cancel := context.WithCancel(context.Background())
	base, done := serve(t, ctx, r, mux)
	if got := status(t, base+"/readyz"); got != 200 {
		t.Fatalf("readyz before shutdown: %d", got)
	}
	if got := status(t, base+"/fail"); got != 503 {
		t.Fatalf("/fail: %d", got)
	}
	slow := make(chan int, 1)
	go func() { slow <- status(t, base+"/slow") }()
	<-started

	cancel()
	<-r.sk.Health().Draining()
	if got := status(t, base+"/readyz"); got != 503 {
		t.Errorf("readyz while draining: %d, want 503", got)
	}
	close(release)
	if got := <-slow; got != 200 {
		t.Errorf("the request in flight got %d, want 200", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(r.events.Events()); n != 1 {
		t.Errorf("events delivered by the time Serve returned: %d, want 1", n)
	}
	if n := len(r.spans.GetSpans()); n == 0 {
		t.Errorf("no span exported by the time Serve returned")
	}
}

// TestSecondSignalCutsShutdownShort: a SIGTERM during the drain ends the
// wait at once and Serve says the shutdown was cut short.
func TestSecondSignalCutsShutdownShort(t *testing.T) {
	r := newRig(t,
		supportkit.WithShutdownTimeout(3*time.Hour),
		supportkit.WithHealth(health.WithDrainDelay(time.Hour)))
	ctx, cancel := context.WithCancel(context.Background())
	_, done := serve(t, ctx, r, app(r.sk))
	cancel()
	<-r.sk.Health().Draining()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "cut short") {
			t.Errorf("Serve returned %v, want an error saying the shutdown was cut short", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the second signal did not cut the drain short")
	}
}

// TestSetupRejectsBadOptions: options out of range are errors naming the
// option; a failed Setup leaves nothing running (goleak, in TestMain).
func TestSetupRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []supportkit.Option
		want string
	}{
		{"negative shutdown timeout", []supportkit.Option{supportkit.WithShutdownTimeout(-time.Second)}, "WithShutdownTimeout"},
		{"drain delay over half the shutdown", []supportkit.Option{
			supportkit.WithShutdownTimeout(10 * time.Second),
			supportkit.WithHealth(health.WithDrainDelay(6 * time.Second)),
		}, "drain delay"},
		{"bad tracing option", []supportkit.Option{supportkit.WithTracing(tracing.WithExporter("zipkin"))}, "WithExporter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]supportkit.Option{supportkit.WithLogger(nil)}, tc.opts...)
			_, err := supportkit.Setup(context.Background(), opts...)
			// The option's name is in the message or in the error's fields.
			if err == nil || !strings.Contains(fmt.Sprintf("%+v", err), tc.want) {
				t.Fatalf("Setup error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// TestShutdownIsIdempotent: Shutdown twice returns the same result, and a
// nil Service's Shutdown does nothing.
func TestShutdownIsIdempotent(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	first := r.sk.Shutdown(ctx)
	if second := r.sk.Shutdown(ctx); !errors.Is(second, first) && second != first {
		t.Errorf("second Shutdown %v, first %v", second, first)
	}
	var none *supportkit.Service
	if err := none.Shutdown(ctx); err != nil {
		t.Errorf("nil Service: %v", err)
	}
}
