//go:build nomonitor

package main

import (
	"fmt"
	"os"
)

func startMonitor() bool {
	fmt.Fprintln(os.Stderr, "crasher: built without the crash monitor")
	os.Exit(64)
	return false
}

func stopMonitor() {}

func goRePanic() { startMonitor() }

func panicInDependencyCallback() { startMonitor() }
