//go:build unix && !linux

package crash

import (
	"os"
	"syscall"
)

// parentDeathSignal is never sent outside Linux; the handler is harmless.
const parentDeathSignal = syscall.SIGWINCH

func sysProcAttr() *syscall.SysProcAttr {
	// A process group of its own: a terminal's Ctrl-C or Ctrl-\ goes to
	// the application (the foreground group), not to the monitor.
	return &syscall.SysProcAttr{Setpgid: true}
}

func checkProcess() error { return nil }

func executable() (string, error) { return os.Executable() }
