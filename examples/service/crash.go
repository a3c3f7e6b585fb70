package main

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/crash"
)

// The crash monitor's state, set once by startCrashMonitor at the top of
// run, before anything else, and read by crashRoutes.
var (
	crashMonitor    *crash.Monitor
	crashMonitorErr error
)

// crashMonitorRequested reports whether the operator asked for the crash
// monitor with SUPPORTKIT_CRASH_MONITOR=1 (the -crash-monitor flag's
// default).
func crashMonitorRequested() bool {
	on, _ := strconv.ParseBool(os.Getenv("SUPPORTKIT_CRASH_MONITOR"))
	return on
}

// startCrashMonitor starts package crash's monitor when enabled
// (-crash-monitor or SUPPORTKIT_CRASH_MONITOR=1): the service's executable
// started again as a small child process that reads the Go runtime's crash
// output and reports a fatal crash (an unrecovered panic in any goroutine,
// "fatal error: concurrent map writes", ...) to Sentry when SENTRY_DSN is
// set, or to the outbox (SUPPORTKIT_OUTBOX, as setupReporting uses), which
// the service sends at its next start.
//
// It returns true in the monitor process, once the service has exited:
// run must then return at once. A monitor that cannot start is logged by
// crashRoutes; the service runs without it.
func startCrashMonitor(enabled bool) (isMonitor bool) {
	if !enabled {
		return false
	}
	var opts []reporting.Option
	if dir := os.Getenv("SUPPORTKIT_OUTBOX"); dir != "" {
		opts = append(opts, reporting.WithOutbox(dir, 0))
	} // else reporting's default, which is also setupReporting's
	crashMonitor, crashMonitorErr = crash.Setup(context.Background(),
		crash.WithReporting(opts...),
		crash.WithTags(map[string]string{"service": "supportkit-example"}))
	return crashMonitor.IsMonitor()
}

// crashRoutes registers, only when the crash monitor runs:
//
//	POST /crash   202, then the process crashes: a goroutine that nothing
//	              wraps in recover panics. A demonstration of what the
//	              crash monitor reports; never expose it in production.
//
// It also says once in the log whether the monitor started.
func (a *app) crashRoutes(mux *http.ServeMux) {
	switch {
	case crashMonitorErr != nil:
		a.log.Warn("crash monitor not started: fatal crashes will not be reported", zap.Error(crashMonitorErr))
		return
	case crashMonitor == nil:
		return
	}
	a.log.Info("crash monitor started", zap.Int("monitor_pid", crashMonitor.PID()))
	mux.HandleFunc("POST /crash", a.crash)
}

func (a *app) crash(w http.ResponseWriter, r *http.Request) {
	a.log.Warn("crashing the process on request (POST /crash, a demonstration of the crash monitor)")
	const body = "{\"crashing\":true}\n"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(body))
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	go crashSoon(50 * time.Millisecond) // leaves the answer time to leave
}

// crashSoon is a goroutine nobody wrapped with recover, as in so many
// programs: its panic kills the process, whatever middleware is in place.
//
//go:noinline
func crashSoon(d time.Duration) {
	time.Sleep(d)
	crashUnwrapped()
}

//go:noinline
func crashUnwrapped() {
	panic("demonstration crash requested with POST /crash")
}
