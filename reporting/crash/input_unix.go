//go:build unix

package crash

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// orphanGrace is how long the monitor keeps reading once it knows the
// application is gone: the crash output still in the pipe comes at once;
// only a pipe kept open by some other process would make it wait longer.
const orphanGrace = time.Second

// input is the pipe from the application (standard input), made pollable
// so that reading it can be given a deadline. The monitor ignores the
// terminal's interrupt and hang-up, which are the application's business;
// on SIGTERM or the parent-death signal it checks whether the application
// is gone, and if so stops waiting for the end of the pipe after
// orphanGrace. A SIGTERM while the application runs is ignored: the
// monitor exits with the application. The returned function undoes the
// signal handling.
func input(appPID int) (io.Reader, func()) {
	// SIGTTOU too: in a background process group, writing its line to a
	// terminal with "stty tostop" would otherwise stop it.
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGTTOU)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, parentDeathSignal)
	in := os.Stdin
	if err := syscall.SetNonblock(0, true); err == nil {
		in = os.NewFile(0, "crash output")
	}
	orphaned := func() {
		if os.Getppid() != appPID {
			_ = in.SetReadDeadline(time.Now().Add(orphanGrace))
		}
	}
	// The application may have died before the handler was in place,
	// when the parent-death signal was still ignored.
	orphaned()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-sigs:
				orphaned()
			case <-done:
				return
			}
		}
	}()
	return in, func() {
		signal.Stop(sigs)
		close(done)
		<-finished
	}
}
