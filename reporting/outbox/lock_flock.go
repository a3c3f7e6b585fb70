//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package outbox

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// lockOwner creates the owner's lock file and holds an exclusive flock on
// it for the Outbox's lifetime. The file is locked under a temporary name
// and then renamed into place, so that nobody ever sees an unlocked lock
// file of a live owner and takes it for dead.
func lockOwner(dir, owner string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ".new-*")
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	if err := os.Rename(f.Name(), lockPath(dir, owner)); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// tryLock reports whether the lock file at path is free: missing, or its
// flock can be taken because its owner's process is gone (the kernel drops
// flocks when a process dies, even by SIGKILL; PIDs would be reused). When
// free, the caller holds the lock until it calls release, which removes
// the file.
func tryLock(path string) (release func(), free bool) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, true
	}
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, false
	}
	return func() {
		_ = os.Remove(path)
		_ = f.Close()
	}, true
}

func lockPath(dir, owner string) string { return filepath.Join(dir, owner+".lock") }
