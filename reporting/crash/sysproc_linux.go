package crash

import (
	"errors"
	"os"
	"syscall"
)

// parentDeathSignal is what the kernel sends the monitor when the
// application dies (PR_SET_PDEATHSIG). It is a signal whose default action
// is to be ignored, not SIGTERM or SIGKILL: the application's death is the
// moment the monitor has work to do, and an application that crashes
// before the monitor has set up its handler must not kill it with the
// crash report unread. The monitor's handler checks that it has really
// been orphaned (the signal also comes when the application's thread that
// started it exits) and then stops waiting for the end of the pipe.
const parentDeathSignal = syscall.SIGWINCH

func sysProcAttr() *syscall.SysProcAttr {
	// A process group of its own: a terminal's Ctrl-C or Ctrl-\ goes to
	// the application (the foreground group), not to the monitor.
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: parentDeathSignal}
}

// checkProcess refuses to start a monitor that could not work: when the
// application is PID 1 of a PID namespace (a container without an init),
// its exit kills every other process of the namespace, the monitor too,
// before it can report.
func checkProcess() error {
	if os.Getpid() == 1 {
		return errors.New("crash: monitor not started: this process is PID 1 of its PID namespace, whose exit kills the monitor before it can report; run it under an init process (docker run --init, tini, Kubernetes shareProcessNamespace)")
	}
	return nil
}

// executable is the running program's file, even if it was replaced or
// deleted on disk since it started (a deployment).
func executable() (string, error) {
	const self = "/proc/self/exe"
	if _, err := os.Stat(self); err == nil {
		return self, nil
	}
	return os.Executable()
}
