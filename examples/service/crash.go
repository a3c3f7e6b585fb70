package main

import (
	"net/http"
	"strconv"
	"time"
)

// The crash monitor runs when the service is started with -crash-monitor
// or SUPPORTKIT_CRASH_MONITOR=1 (supportkit.WithCrashMonitor, in run):
// the service's executable started again as a small child process that
// reads the Go runtime's crash output and reports a fatal crash (an
// unrecovered panic in any goroutine, "fatal error: concurrent map
// writes", ...) to Sentry when SENTRY_DSN is set, or to the outbox
// (SUPPORTKIT_OUTBOX), which the service sends at its next start. Setup
// logs whether it started; the service runs on without it.

// crashRoutes registers, only when the crash monitor runs:
//
//	POST /crash   202, then the process crashes: a goroutine that nothing
//	              wraps in recover panics. A demonstration of what the
//	              crash monitor reports; never expose it in production.
func (a *app) crashRoutes(mux *http.ServeMux) {
	if a.sk.CrashMonitor() == nil {
		return
	}
	mux.HandleFunc("POST /crash", a.crash)
}

func (a *app) crash(w http.ResponseWriter, r *http.Request) {
	a.sk.Log(r.Context()).Warn("crashing the process on request (POST /crash, a demonstration of the crash monitor)")
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
