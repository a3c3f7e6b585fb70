//go:build !(linux || darwin)

package checks

import (
	"context"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// DiskFree fails when the file system holding path has less than minBytes
// available. It is implemented on Linux and macOS only; elsewhere it
// always fails with errorsx.Unimplemented.
func DiskFree(path string, minBytes uint64) health.MeasureFunc {
	return func(context.Context) (health.Observation, error) {
		return health.Observation{}, errorsx.Unimplemented.New("disk free: not supported on this platform", "path", path)
	}
}
