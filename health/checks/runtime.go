package checks

import (
	"context"
	"runtime/metrics"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// Goroutines fails when the process has more than max goroutines: a
// steadily growing count is the usual sign of a leak. Register it for
// liveness if a restart is the cure. It reports the count (measurement
// "count", unit "goroutines").
func Goroutines(max uint64) health.MeasureFunc {
	return threshold("/sched/goroutines:goroutines", "goroutine count above threshold", max, "count", "goroutines")
}

// HeapBytes fails when live and not-yet-swept heap objects take more than
// max bytes. It reads runtime/metrics, which does not stop the world. It
// reports the size (measurement "size", unit "bytes").
func HeapBytes(max uint64) health.MeasureFunc {
	return threshold("/memory/classes/heap/objects:bytes", "heap size above threshold", max, "size", "bytes")
}

func threshold(metric, msg string, max uint64, measurement, unit string) health.MeasureFunc {
	return func(context.Context) (health.Observation, error) {
		s := []metrics.Sample{{Name: metric}}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindUint64 {
			return health.Observation{}, errorsx.Unimplemented.New("runtime metric not supported", "metric", metric)
		}
		v := s[0].Value.Uint64()
		obs := health.Observation{Measurement: measurement, Value: float64(v), Unit: unit}
		if v > max {
			return obs, errorsx.FailedPrecondition.New(msg, "value", v, "max", max)
		}
		return obs, nil
	}
}
