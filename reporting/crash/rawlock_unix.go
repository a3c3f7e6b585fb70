//go:build unix

package crash

import (
	"os"
	"syscall"
)

// lockFile takes the exclusive flock of f, waiting for it if wait is true.
// The lock belongs to the open file, so that it passes to the monitor with
// the descriptor and ends when the last process holding it dies.
func lockFile(f *os.File, wait bool) error {
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
