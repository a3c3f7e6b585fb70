//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package outbox

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// lockOwner creates the owner's lock file. Without flock there is no lock
// that the kernel drops when a process dies: the file only marks the
// owner as alive until Close removes it.
func lockOwner(dir, owner string) (*os.File, error) {
	return os.OpenFile(lockPath(dir, owner), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// tryLock reports a lock free only when its file is missing, so the
// claims of a process that died without Close stay claimed on these
// systems until someone removes its lock file under .owners/.
func tryLock(path string) (release func(), free bool) {
	_, err := os.Stat(path)
	return func() {}, errors.Is(err, fs.ErrNotExist)
}

func lockPath(dir, owner string) string { return filepath.Join(dir, owner+".lock") }
