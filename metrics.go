package supportkit

import (
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/metrics"
)

// observe feeds the health registry's and the reporter's figures to the
// metrics provider, read at each collection.
func (s *Service) observe() error {
	if err := s.metrics.ObserveChecks(func() []metrics.CheckState {
		results := s.health.Snapshot().Results()
		out := make([]metrics.CheckState, 0, len(results))
		for _, r := range results {
			out = append(out, metrics.CheckState{
				Name: r.Name, Status: r.Status.String(), LastDuration: r.Duration,
				Runs: r.Runs, Failures: r.Failures, Timeouts: r.Timeouts, Panics: r.Panics, StuckRuns: r.StuckRuns,
			})
		}
		return out
	}); err != nil {
		return err
	}
	if err := s.metrics.ObserveProbes(func() []metrics.ProbeState {
		snap := s.health.Snapshot()
		probe := func(name string, set health.Set) metrics.ProbeState {
			st := metrics.StatusFail
			if snap.Status(set) != health.StatusFail {
				st = metrics.StatusPass
			}
			return metrics.ProbeState{Name: name, Status: st}
		}
		return []metrics.ProbeState{
			probe("liveness", health.Liveness), probe("readiness", health.Readiness), probe("startup", health.Startup),
		}
	}); err != nil {
		return err
	}
	return s.metrics.ObserveReporting(func() metrics.ReportingStats {
		st := s.rep.Stats()
		return metrics.ReportingStats{
			Captured: uint64(st.Captured), Suppressed: uint64(st.Suppressed), Dropped: uint64(st.Dropped),
			Sent: uint64(st.Sent), Outboxed: uint64(st.Outboxed), Replayed: uint64(st.Replayed),
			Evicted: uint64(st.Evicted), OutboxBytes: st.OutboxBytes,
		}
	})
}

// Metrics returns the metrics provider: mount its Handler where
// Prometheus scrapes (mux.Handle("GET /metrics", sk.Metrics().Handler())),
// or leave it off the public listener.
func (s *Service) Metrics() *metrics.Provider {
	if s == nil {
		return nil
	}
	return s.metrics
}
