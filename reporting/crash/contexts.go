package crash

import (
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
)

// appInfo is what the monitor knows of the crashed application beyond its
// crash output. The monitor is the same executable on the same machine, so
// the Go version, architecture, CPUs and build information are the
// application's; its GOMAXPROCS and start time are passed on.
type appInfo struct {
	pid      int       // 0 when unknown
	started  time.Time // when it called Setup; zero when unknown
	maxProcs int       // its GOMAXPROCS when it called Setup; 0 when unknown
	// traceback is its GOTRACEBACK variable, which says whether a panic's
	// dump lists every goroutine.
	traceback string
	// truncated is true when the crash output was cut at maxOutput, so
	// the goroutines listed are not all there were.
	truncated bool
}

// addContexts sets the contexts Sentry shows for every event, with the
// application's values, and the modules of the build. No value is null:
// what is unknown is left out. They are complete, so that sentry-go's
// environment integration, which would add the monitor's own goroutine
// count and GOMAXPROCS, has nothing to add (see persistEvent).
func addContexts(ev *sentry.Event, r *Report, app appInfo) {
	rt := sentry.Context{"name": "go", "version": runtime.Version()}
	if app.maxProcs > 0 {
		rt["go_maxprocs"] = app.maxProcs
	}
	if r != nil && allGoroutinesListed(r, app) {
		rt["go_numroutines"] = listedGoroutines(r)
	}
	ev.Contexts["runtime"] = rt
	ev.Contexts["os"] = sentry.Context{"name": runtime.GOOS}
	ev.Contexts["device"] = sentry.Context{"arch": runtime.GOARCH, "num_cpu": runtime.NumCPU()}

	a := sentry.Context{}
	if !app.started.IsZero() {
		a["app_start_time"] = app.started.UTC().Format(time.RFC3339Nano)
	}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if info.Path != "" {
			a["app_name"] = info.Path
		}
		if v := info.Main.Version; v != "" && v != "(devel)" {
			a["app_version"] = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				a["vcs.revision"] = s.Value
			case "vcs.modified":
				a["vcs.modified"] = s.Value == "true"
			}
		}
		ev.Modules = modules(info)
	}
	if len(a) > 0 {
		ev.Contexts["app"] = a
	}
}

// allGoroutinesListed reports whether the dump lists every goroutine of
// the application: a fatal error always does; a panic does under
// GOTRACEBACK=all (or system, crash, wer), which shows as more than one
// goroutine or in the application's environment. A cut dump does not.
func allGoroutinesListed(r *Report, app appInfo) bool {
	n := listedGoroutines(r)
	if app.truncated || n == 0 {
		return false
	}
	if r.Kind == KindFatalError || n > 1 {
		return true
	}
	level, _, _ := strings.Cut(app.traceback, ",")
	switch level {
	case "all", "system", "crash", "wer", "2":
		return true
	}
	return false
}

// listedGoroutines counts the goroutines of the dump, without the
// scheduler's goroutine 0 of a signal's dump.
func listedGoroutines(r *Report) int {
	n := 0
	for _, g := range r.Goroutines {
		if g.ID != 0 {
			n++
		}
	}
	return n
}

// modules lists the main module and the dependencies of the build, each
// with its version (and its replacement, as go version -m shows it).
func modules(info *debug.BuildInfo) map[string]string {
	m := make(map[string]string, len(info.Deps)+1)
	if info.Main.Path != "" {
		m[info.Main.Path] = info.Main.Version
	}
	for _, d := range info.Deps {
		v := d.Version
		if d.Replace != nil {
			v = strings.TrimSpace(v + " => " + d.Replace.Path + " " + d.Replace.Version)
		}
		m[d.Path] = v
	}
	return m
}
