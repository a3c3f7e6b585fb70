//go:build linux || darwin

package checks

import (
	"context"
	"syscall"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// DiskFree fails when the file system holding path has less than minBytes
// available to unprivileged users. It reports the free space (measurement
// "free", unit "bytes").
func DiskFree(path string, minBytes uint64) health.MeasureFunc {
	return func(context.Context) (health.Observation, error) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(path, &st); err != nil {
			return health.Observation{}, errorsx.Unavailable.Wrap(err, "disk free: statfs", "path", path)
		}
		free := uint64(st.Bavail) * uint64(st.Bsize)
		obs := health.Observation{Measurement: "free", Value: float64(free), Unit: "bytes"}
		if free < minBytes {
			return obs, errorsx.FailedPrecondition.New("disk free space below threshold", "path", path, "free_bytes", free, "min_bytes", minBytes)
		}
		return obs, nil
	}
}
