//go:build linux && !nomonitor

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// leakCrashPipe hands the write end of the crash pipe to a child that
// outlives the crasher (another crasher, hanging), as a careless fork
// might, and exits: the monitor then never sees the end of its input and
// must notice that its parent is gone. It first waits until the monitor
// has set up its signal handling (it makes its input non-blocking right
// after), so that the parent-death signal is what tells the monitor.
func leakCrashPipe() {
	for i := 0; i < 1000 && !nonBlocking(monitor.PID()); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	monIn, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/0", monitor.PID()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crasher:", err)
		os.Exit(64)
	}
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); fd <= 2 || l != monIn {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, 0); errno != 0 {
			fmt.Fprintln(os.Stderr, "crasher:", errno)
			os.Exit(64)
		}
		cmd := exec.Command(os.Args[0], "hang")
		cmd.Stderr = nil // not ours: the test reads our standard error to its end
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "crasher:", err)
			os.Exit(64)
		}
		fmt.Fprintln(os.Stderr, "crasher: crash pipe leaked to pid", cmd.Process.Pid)
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, "crasher: crash pipe not found")
	os.Exit(64)
}

func nonBlocking(pid int) bool {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/0", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			flags, _ := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return flags&syscall.O_NONBLOCK != 0
		}
	}
	return false
}
