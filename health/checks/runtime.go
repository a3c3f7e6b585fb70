package checks

import (
	"context"
	"runtime/metrics"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// Goroutines fails when the process has more than max goroutines: a
// steadily growing count is the usual sign of a leak. Register it for
// liveness if a restart is the cure.
func Goroutines(max uint64) health.CheckFunc {
	return threshold("/sched/goroutines:goroutines", "goroutine count above threshold", max)
}

// HeapBytes fails when live and not-yet-swept heap objects take more than
// max bytes. It reads runtime/metrics, which does not stop the world.
func HeapBytes(max uint64) health.CheckFunc {
	return threshold("/memory/classes/heap/objects:bytes", "heap size above threshold", max)
}

func threshold(metric, msg string, max uint64) health.CheckFunc {
	return func(context.Context) error {
		s := []metrics.Sample{{Name: metric}}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindUint64 {
			return errorsx.Unimplemented.New("runtime metric not supported", "metric", metric)
		}
		if v := s[0].Value.Uint64(); v > max {
			return errorsx.FailedPrecondition.New(msg, "value", v, "max", max)
		}
		return nil
	}
}
