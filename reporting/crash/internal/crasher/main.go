// Command crasher crashes in the way its first argument names, so that the
// tests of package crash can parse what the Go runtime really prints:
//
//	crasher [-monitor] goroutine|nested|recovered|repanicked|mapwrites|nilpointer|goexit|error|deadlock|multiline|exit0|hang|overflow|stop|leak|gorepanic|dependency
//
// CRASHER_APP_GOMAXPROCS sets the application's GOMAXPROCS (not its
// monitor's), so that tests can tell whose the crash event reports.
//
// With -monitor it first starts the crash monitor, as an application's
// main would, with the reporting options taken from the standard variables
// and CRASHER_OUTBOX. Built with -tags nomonitor, it leaves the monitor
// (and net/http, which sentry-go imports) out: importing net/http keeps
// the runtime from noticing the deadlock of the goexit crash.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

func main() {
	monitor := flag.Bool("monitor", false, "start the crash monitor first")
	flag.Parse()
	if n, err := strconv.Atoi(os.Getenv("CRASHER_APP_GOMAXPROCS")); err == nil && os.Getenv("SUPPORTKIT_CRASH_MONITORED_PID") == "" {
		runtime.GOMAXPROCS(n)
	}
	if *monitor && startMonitor() {
		return // this process was the monitor; the crasher has exited
	}
	crashes := map[string]func(){
		"goroutine":  panicInGoroutine,
		"nested":     nestedPanic,
		"recovered":  recoveredPanic,
		"repanicked": repanickedPanic,
		"mapwrites":  concurrentMapWrites,
		"nilpointer": nilPointer,
		"goexit":     goexitDeadlock,
		"error":      errorPanic,
		"deadlock":   deadlock,
		"multiline":  multilinePanic,
		"exit0":      func() {},
		"hang":       func() { time.Sleep(time.Hour) },
		"overflow":   overflow,
		"stop":       func() { stopMonitor(); panic("crash after the monitor stopped") },
		"leak":       leakCrashPipe,
		"gorepanic":  goRePanic,
		"dependency": panicInDependencyCallback,
	}
	crashFn, ok := crashes[flag.Arg(0)]
	if !ok {
		fmt.Fprintf(os.Stderr, "crasher: unknown crash %q\n", flag.Arg(0))
		os.Exit(64)
	}
	crashFn()
}

// panicInGoroutine panics in a goroutine nobody wrapped with recover.
func panicInGoroutine() {
	go worker()
	select {}
}

//go:noinline
func worker() { explode("boom in a goroutine") }

//go:noinline
func explode(msg string) { panic(msg) }

// nestedPanic panics in a deferred call of a panicking function.
//
//go:noinline
func nestedPanic() {
	defer cleanup()
	panic("first panic")
}

//go:noinline
func cleanup() { panic("panic in a deferred call") }

// recoveredPanic recovers a panic and panics with another value.
//
//go:noinline
func recoveredPanic() {
	defer translate()
	panic("original panic")
}

//go:noinline
func translate() {
	r := recover()
	panic(fmt.Sprintf("translated: %v", r))
}

// repanickedPanic recovers a panic and panics again with the same value.
//
//go:noinline
func repanickedPanic() {
	defer rethrow()
	panic("repanicked value")
}

//go:noinline
func rethrow() { panic(recover()) }

// concurrentMapWrites writes a map from two goroutines until the runtime
// notices.
func concurrentMapWrites() {
	m := map[int]int{}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			writeForever(m)
		}()
	}
	wg.Wait()
}

//go:noinline
func writeForever(m map[int]int) {
	for i := 0; ; i++ {
		m[i%64] = i
	}
}

type account struct{ balance int }

// nilPointer dereferences a nil pointer.
//
//go:noinline
func nilPointer() {
	var a *account
	deposit(a, 10)
}

//go:noinline
func deposit(a *account, n int) { a.balance += n }

// goexitDeadlock ends the main goroutine with runtime.Goexit while no other
// goroutine is left.
func goexitDeadlock() { runtime.Goexit() }

var errInventory = errors.New("inventory unavailable")

// errorPanic panics with an error value.
//
//go:noinline
func errorPanic() {
	panic(fmt.Errorf("reserve order %d: %w", 42, errInventory))
}

// deadlock blocks every goroutine.
func deadlock() {
	ch := make(chan int)
	go func() { time.Sleep(10 * time.Millisecond); <-make(chan int) }()
	<-ch
}

// multilinePanic panics with a value of several lines.
//
//go:noinline
func multilinePanic() { panic("line one\nline two\n\tindented three") }

// overflow recurses until the (lowered) stack limit is reached.
func overflow() {
	debug.SetMaxStack(1 << 20)
	recurse(0)
}

//go:noinline
func recurse(n int) int { return recurse(n+1) + 1 }
