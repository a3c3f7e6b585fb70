package crash

import (
	"runtime"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
)

// TestAddContextsRuntime: the runtime context has what is known of the
// application and nothing else: GOMAXPROCS when Start passed it, the
// goroutine count only when the dump lists every goroutine.
func TestAddContextsRuntime(t *testing.T) {
	one := &Report{Kind: KindPanic, Goroutines: []Goroutine{{ID: 7}}}
	three := &Report{Kind: KindPanic, Goroutines: []Goroutine{{ID: 0}, {ID: 7}, {ID: 1}, {ID: 9}}}
	fatal := &Report{Kind: KindFatalError, Goroutines: []Goroutine{{ID: 1}}}
	base := func(extra sentry.Context) sentry.Context {
		c := sentry.Context{"name": "go", "version": runtime.Version()}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name string
		r    *Report
		app  appInfo
		want sentry.Context
	}{
		{"nothing known", one, appInfo{}, base(nil)},
		{"GOMAXPROCS from Start", one, appInfo{maxProcs: 5}, base(sentry.Context{"go_maxprocs": 5})},
		{"only the crashing goroutine (GOTRACEBACK=single)", one, appInfo{traceback: "single"}, base(nil)},
		{"GOTRACEBACK=all with one goroutine", one, appInfo{traceback: "all"}, base(sentry.Context{"go_numroutines": 1})},
		{"GOTRACEBACK=system,crash", one, appInfo{traceback: "system"}, base(sentry.Context{"go_numroutines": 1})},
		{"several listed (set by debug.SetTraceback), g0 not counted", three, appInfo{}, base(sentry.Context{"go_numroutines": 3})},
		{"fatal errors list them all", fatal, appInfo{}, base(sentry.Context{"go_numroutines": 1})},
		{"output cut at its bound", three, appInfo{truncated: true}, base(nil)},
		{"output not parsed", nil, appInfo{maxProcs: 2}, base(sentry.Context{"go_maxprocs": 2})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sentry.NewEvent()
			addContexts(ev, tt.r, tt.app)
			if diff := cmp.Diff(tt.want, ev.Contexts["runtime"]); diff != "" {
				t.Errorf("runtime context mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAddContextsApp: app_start_time is the application's start, in UTC,
// when known; absent otherwise.
func TestAddContextsApp(t *testing.T) {
	started := time.Date(2026, 11, 30, 6, 0, 0, 123, time.FixedZone("X", 3600))
	ev := sentry.NewEvent()
	addContexts(ev, nil, appInfo{started: started})
	if got := ev.Contexts["app"]["app_start_time"]; got != "2026-11-30T05:00:00.000000123Z" {
		t.Errorf("app_start_time = %v", got)
	}
	ev = sentry.NewEvent()
	addContexts(ev, nil, appInfo{})
	if got, ok := ev.Contexts["app"]["app_start_time"]; ok {
		t.Errorf("app_start_time = %v, want none when unknown", got)
	}
}
