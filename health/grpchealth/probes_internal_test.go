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
	r := health.New()
	pass := health.CheckFunc(func(context.Context) error { return nil })
	for name := range probes {
		if err := r.Register(name, pass); errorsx.CodeOf(err) != errorsx.InvalidArgument {
			t.Errorf("Register(%q): %v, want invalid_argument", name, err)
		}
	}
}
