//go:build !linux || nomonitor

package main

import (
	"fmt"
	"os"
)

func leakCrashPipe() {
	fmt.Fprintln(os.Stderr, "crasher: leak needs Linux and the monitor")
	os.Exit(64)
}
