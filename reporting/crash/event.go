package crash

import (
	"strconv"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting/internal/appframes"
)

// MaxThreads bounds the goroutines an event lists as threads, the crashing
// one included, so that a crash of a program with many goroutines (and
// GOTRACEBACK=all) still makes an event Sentry accepts; the context
// "go_crash" says how many were left out. The runtime itself prints at
// most 100 frames per goroutine.
const MaxThreads = 200

// MechanismType is the type of the mechanism of crash events' exceptions:
// the Go runtime printed the crash and the monitor read it.
const MechanismType = "go.crash"

// Event turns the report into a Sentry event of level fatal: the panic or
// fatal error is the exception, with the crashing goroutine's stack
// (outermost call first, as Sentry reads it, the "created by" call before
// the goroutine's first function, which is marked as the stack's start)
// and a mechanism marked unhandled; earlier panics in flight come before
// it as chained exceptions; every goroutine is a thread, the crashing one
// marked crashed and current.
//
// Frames are in-app by the rule of package reporting/internal/appframes
// (package main, the main module of this binary; never the standard
// library, dependencies or supportkit), on function names, so that
// -trimpath changes nothing. The fingerprint is the kind and the first
// in-app function of the crashing goroutine, innermost first, as for
// panics reported in-process; with no in-app frame the event has no
// fingerprint and Sentry groups it by its own rules.
//
// The crashing goroutine's stack is on the exception only; its thread,
// marked crashed and current, has none (as Sentry's own SDKs do). The
// exception names no thread_id: sentry-go types it as a number and
// threads[].id as a string, and Sentry's UI matches them strictly, so a
// thread_id would hide the stack; with none, the UI shows the exception
// on the thread marked crashed.
//
// The event has no ID, release or environment: the reporter that delivers
// it sets them. Its contexts other than "go_crash" are the monitor's to
// add (see [Setup]).
func (r *Report) Event() *sentry.Event { return r.event(appframes.New()) }

func (r *Report) event(rule appframes.Rule) *sentry.Event {
	ev := sentry.NewEvent()
	ev.Level = sentry.LevelFatal
	ev.Platform = "go"
	ev.Timestamp = time.Now().UTC()
	kind := r.Kind
	if kind == "" {
		kind = "crash"
	}
	ev.Tags["go.crash"] = kind

	crashed := r.Crashed()
	mech := &sentry.Mechanism{
		Type:        MechanismType,
		Description: "the Go runtime printed this crash; the crash monitor read it",
		Handled:     sentry.Pointer(false),
		Data:        map[string]any{},
	}
	if r.Signal != "" {
		mech.Data["signal"] = r.Signal
	}
	main := sentry.Exception{Type: kind, Value: r.Message, Mechanism: mech}
	if crashed != nil {
		main.Stacktrace = stacktrace(crashed, rule)
		if fn := firstInApp(crashed, rule); fn != "" {
			ev.Fingerprint = []string{kind, fn}
		}
	}
	if kind == KindPanic && len(r.Panics) > 0 {
		last := r.Panics[len(r.Panics)-1]
		if last.Recovered {
			mech.Data["recovered"] = true
		}
		if last.Repanicked {
			mech.Data["repanicked"] = true
		}
		// The earlier panics were unwinding when the last was raised:
		// Sentry lists causes first and titles the event by the last.
		n := len(r.Panics)
		for i, p := range r.Panics[:n-1] {
			id := n - 1 - i
			m := &sentry.Mechanism{Type: "chained", Source: "panic", ExceptionID: id, ParentID: sentry.Pointer(id - 1)}
			if p.Recovered {
				m.Data = map[string]any{"recovered": true}
			}
			ev.Exception = append(ev.Exception, sentry.Exception{Type: KindPanic, Value: p.Value, Mechanism: m})
		}
	}
	ev.Exception = append(ev.Exception, main)

	omitted, room := 0, MaxThreads
	if crashed != nil {
		room-- // the crashing goroutine is always listed
	}
	for i := range r.Goroutines {
		g := &r.Goroutines[i]
		if g != crashed {
			if room == 0 {
				omitted++
				continue
			}
			room--
		}
		t := sentry.Thread{ID: strconv.FormatUint(g.ID, 10), Name: g.name()}
		if g == crashed {
			// The exception carries this goroutine's stack.
			t.Crashed, t.Current = true, true
		} else {
			t.Stacktrace = stacktrace(g, rule)
		}
		ev.Threads = append(ev.Threads, t)
	}

	c := sentry.Context{"kind": kind, "goroutines": len(r.Goroutines)}
	if r.Signal != "" {
		c["signal"] = r.Signal
	}
	if len(r.Notes) > 0 {
		c["notes"] = r.Notes
	}
	if len(r.Panics) > 1 {
		c["panics"] = len(r.Panics)
	}
	if omitted > 0 {
		c["threads_omitted"] = omitted
	}
	ev.Contexts["go_crash"] = c
	return ev
}

// name is the goroutine's header as the runtime prints it, without the
// addresses of GOTRACEBACK=system: "goroutine 7 [chan receive, 2 minutes]".
func (g *Goroutine) name() string {
	var b strings.Builder
	b.WriteString("goroutine ")
	b.WriteString(strconv.FormatUint(g.ID, 10))
	b.WriteString(" [")
	b.WriteString(g.State)
	if g.WaitMinutes > 0 {
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(g.WaitMinutes))
		b.WriteString(" minutes")
	}
	if g.LockedToThread {
		b.WriteString(", locked to thread")
	}
	b.WriteString("]")
	return b.String()
}

// firstInApp is the innermost in-app function of g's stack, or "".
func firstInApp(g *Goroutine, rule appframes.Rule) string {
	for _, f := range g.Frames {
		if rule.InApp(f.Function) {
			return f.Function
		}
	}
	if g.CreatedBy != nil && rule.InApp(g.CreatedBy.Function) {
		return g.CreatedBy.Function
	}
	return ""
}

// stacktrace returns g's frames outermost first.
func stacktrace(g *Goroutine, rule appframes.Rule) *sentry.Stacktrace {
	if len(g.Frames) == 0 && g.CreatedBy == nil {
		return nil
	}
	frames := make([]sentry.Frame, 0, len(g.Frames)+1)
	if g.CreatedBy != nil {
		frames = append(frames, frame(*g.CreatedBy, rule))
	}
	for i := len(g.Frames) - 1; i >= 0; i-- {
		f := frame(g.Frames[i], rule)
		if i == len(g.Frames)-1 && g.CreatedBy != nil {
			f.StackStart = true // the goroutine's own function
		}
		frames = append(frames, f)
	}
	return &sentry.Stacktrace{Frames: frames}
}

// frame builds a Sentry frame the way sentry-go does for in-process stacks
// (module = package path, function = the rest), so that crash events and
// events captured in the process name functions alike.
func frame(f Frame, rule appframes.Rule) sentry.Frame {
	name := f.Function
	if name == "panic" {
		name = "runtime.gopanic" // printed as "panic"
	}
	sf := sentry.Frame{Function: name, Lineno: f.Line}
	if pkg := packagePath(name); pkg != "" {
		sf.Module, sf.Function = pkg, name[len(pkg)+1:]
	}
	if f.Function == "panic" {
		sf.Function = "panic"
	}
	switch {
	case f.File == "":
		sf.Filename = "unknown"
	case strings.HasPrefix(f.File, "/") || len(f.File) > 2 && f.File[1] == ':':
		sf.AbsPath = f.File
	default:
		sf.Filename = f.File
	}
	sf.InApp = f.Function != "panic" && rule.InApp(name)
	return sf
}

// packagePath returns the package part of a qualified function name:
// "net/http.(*conn).serve" → "net/http".
func packagePath(name string) string {
	slash := max(strings.LastIndexByte(name, '/'), 0)
	if dot := strings.IndexByte(name[slash:], '.'); dot >= 0 {
		return name[:slash+dot]
	}
	return ""
}
