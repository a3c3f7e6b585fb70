package grpchealth

import (
	"context"
	"testing"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// Every service name that answers for a probe is refused as a check name,
// so that Check{service:"liveness"} can never answer for a check (or a
// check hide from List behind a probe).
func TestProbeNamesAreReserved(t *testing.T) {
	r, err := health.Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	pass := health.CheckFunc(func(context.Context) error { return nil })
	for name := range probes {
		if err := r.Register(name, pass); errorsx.CodeOf(err) != errorsx.InvalidArgument {
			t.Errorf("Register(%q): %v, want invalid_argument", name, err)
		}
	}
}

// A nil registry is reported where the Server is made, not in the first
// health RPC.
func TestNilRegistry(t *testing.T) {
	for name, f := range map[string]func(){
		"New":      func() { New(nil) },
		"Register": func() { Register(nil, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if v := recover(); v != "grpchealth: nil *health.Registry" {
					t.Errorf("recovered %v, want the nil registry panic", v)
				}
			}()
			f()
		})
	}
}
