package health

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// MarkDraining makes readiness (and /healthz) fail from now on, with 503
// or, with [WithDrainNotFound], 404, while liveness keeps its status. It is
// the first step of [Registry.Drain]; call it alone to take the process
// out of rotation without stopping it. It is safe to call more than once.
func (r *Registry) MarkDraining() {
	if r.draining.CompareAndSwap(false, true) {
		r.publish() // before closing drainCh: whoever sees it closed sees readiness fail
		close(r.drainCh)
		r.opts.log.Info("health: draining, readiness fails from now on")
	}
}

// Draining returns a channel that is closed by [Registry.MarkDraining].
func (r *Registry) Draining() <-chan struct{} { return r.drainCh }

// Drain takes the process out of rotation and shuts srv down gracefully:
// readiness fails at once; after the drain delay
// ([WithDrainDelay], [WithoutDrainDelay]; cut short if ctx ends),
// srv.Shutdown(ctx) lets in-flight requests finish; last, the checks stop
// ([Registry.Shutdown]). srv may be nil to drain without a server. The
// whole is bounded by ctx.
func (r *Registry) Drain(ctx context.Context, srv *http.Server) error {
	r.MarkDraining()
	if d := r.opts.drainDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	var errs []error
	if srv != nil {
		errs = append(errs, srv.Shutdown(ctx))
	}
	errs = append(errs, r.Shutdown(ctx))
	return errors.Join(errs...)
}

// DrainDelay returns the drain delay the registry was set up with
// ([WithDrainDelay], [WithoutDrainDelay]), for a caller that runs the
// drain's steps itself: [Registry.MarkDraining], wait, shut the server
// down, [Registry.Shutdown].
func (r *Registry) DrainDelay() time.Duration { return r.opts.drainDelay }
