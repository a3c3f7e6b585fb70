//go:build !nomonitor

package main

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/crash"
)

var monitor *crash.Monitor

// startMonitor starts the crash monitor and reports whether this process
// is the monitor.
func startMonitor() bool {
	var err error
	monitor, err = crash.Setup(context.Background(),
		crash.WithReporting(reporting.WithOutbox(os.Getenv("CRASHER_OUTBOX"), 0)),
		crash.WithTags(map[string]string{"program": "crasher"}))
	if monitor.IsMonitor() {
		if os.Getenv("CRASHER_SAY_MONITOR") != "" { // what main sees in the monitor process
			fmt.Fprintf(os.Stderr, "crasher: monitor process: IsMonitor=%v PID=%d Shutdown=%v\n",
				monitor.IsMonitor(), monitor.PID(), monitor.Shutdown(context.Background()))
		}
		return true
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crasher: crash monitor not started:", err)
	} else {
		fmt.Fprintln(os.Stderr, "crasher: crash monitor started, pid", monitor.PID())
	}
	return false
}

// stopMonitor stops the monitor and says whether its process is gone.
func stopMonitor() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := monitor.Shutdown(ctx)
	p, _ := os.FindProcess(monitor.PID())
	gone := p == nil || p.Signal(syscall.Signal(0)) != nil
	again := monitor.Shutdown(ctx) // idempotent
	fmt.Fprintf(os.Stderr, "crasher: crash monitor stopped: err=%v gone=%v again=%v\n", err, gone, again)
}

// goRePanic panics in a goroutine started with reporting.Go and
// reporting.RePanic: the application reports the panic itself, with the
// reporting options the monitor gets, and then crashes of it.
func goRePanic() {
	rep, err := reporting.Setup(context.Background(), reporting.WithOutbox(os.Getenv("CRASHER_OUTBOX"), 0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crasher: reporting:", err)
		os.Exit(64)
	}
	ctx := rep.Bind(context.Background())
	reporting.Go(ctx, func(context.Context) { explode("boom in reporting.Go") }, reporting.RePanic())
	select {}
}

// panicInDependencyCallback panics in a function that a dependency
// (sentry-go) calls: its frame sits between the application's.
func panicInDependencyCallback() {
	sentry.NewHub(nil, sentry.NewScope()).WithScope(func(*sentry.Scope) { explode("boom in a dependency's callback") })
}
