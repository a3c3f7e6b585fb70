//go:build !unix

package crash

import (
	"errors"
	"os"
)

// lockFile is unsupported outside Unix: without a lock a monitor cannot
// tell a dead monitor's file from a live one's, so none is kept.
func lockFile(f *os.File, wait bool) error { return errors.ErrUnsupported }
