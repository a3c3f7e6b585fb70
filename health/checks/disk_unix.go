//go:build linux || darwin

package checks

import (
	"context"
	"syscall"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// DiskFree fails when the file system holding path has less than minBytes
// available to unprivileged users.
func DiskFree(path string, minBytes uint64) health.CheckFunc {
	return func(context.Context) error {
		var st syscall.Statfs_t
		if err := syscall.Statfs(path, &st); err != nil {
			return errorsx.Unavailable.Wrap(err, "disk free: statfs", "path", path)
		}
		free := uint64(st.Bavail) * uint64(st.Bsize)
		if free < minBytes {
			return errorsx.FailedPrecondition.New("disk free space below threshold", "path", path, "free_bytes", free, "min_bytes", minBytes)
		}
		return nil
	}
}
