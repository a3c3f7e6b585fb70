package reporting

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/errorsx"
)

// Grouping: one bug, one issue. A fingerprint names the first frame of
// the application's own code (appframes.Rule) counted from where the
// failure happened, never a runtime, standard-library or dependency frame:
// every nil-map write would otherwise be one issue named
// runtime.mapassign_faststr. Where the origin is not known (an error
// without a stack of its own, or a stack without an in-app frame), the
// event has no custom fingerprint and Sentry groups it by the exception's
// type and stack.

// markInApp sets in_app on every frame of ev by the reporter's rule,
// replacing sentry-go's guess (which takes the main module's dependencies
// for the application and, under -trimpath, nothing at all).
func (r *Reporter) markInApp(ev *sentry.Event) {
	mark := func(st *sentry.Stacktrace) {
		if st == nil {
			return
		}
		for i := range st.Frames {
			f := &st.Frames[i]
			f.InApp = r.inApp.InApp(qualifiedName(*f))
		}
	}
	for i := range ev.Exception {
		mark(ev.Exception[i].Stacktrace)
	}
	for i := range ev.Threads {
		mark(ev.Threads[i].Stacktrace)
	}
}

// qualifiedName puts back together the Go function name sentry.NewFrame
// split into module and function.
func qualifiedName(f sentry.Frame) string {
	if f.Module != "" {
		return f.Module + "." + f.Function
	}
	return f.Function
}

// firstInApp returns the first in-app frame's function, searching the
// exceptions innermost first and each stack from its innermost frame, or
// "" when there is none.
func firstInApp(exs []sentry.Exception) string {
	for _, e := range exs {
		if e.Stacktrace == nil {
			continue
		}
		fs := e.Stacktrace.Frames
		for i := len(fs) - 1; i >= 0; i-- {
			if fs[i].InApp {
				return qualifiedName(fs[i])
			}
		}
	}
	return ""
}

// firstInAppPC returns the first in-app function of return addresses
// (innermost first), or "".
func (r *Reporter) firstInAppPC(pcs []uintptr) string {
	if len(pcs) == 0 {
		return ""
	}
	it := runtime.CallersFrames(pcs)
	for {
		f, more := it.Next()
		if f.Function != "" && r.inApp.InApp(f.Function) {
			return f.Function
		}
		if !more {
			return ""
		}
	}
}

// hasOwnStack reports whether some layer of err carries the stack of
// where it was made.
func hasOwnStack(err error) bool {
	for i := 0; err != nil && i < 100; err, i = errors.Unwrap(err), i+1 {
		switch e := err.(type) {
		case *errorsx.Error:
			if len(e.StackTrace()) > 0 {
				return true
			}
		case interface{ StackTrace() []uintptr }:
			if len(e.StackTrace()) > 0 {
				return true
			}
		}
	}
	return false
}

// goType names a foreign error by its Go type, as sentry-go does, skipping
// fmt's wrappers: "*fs.PathError" for os.Open's, "*strconv.NumError" for
// strconv.Atoi's. Sentry groups an error without a fingerprint by it.
func goType(err error) string {
	for l, i := err, 0; l != nil && i < 100; l, i = errors.Unwrap(l), i+1 {
		if t := fmt.Sprintf("%T", l); !strings.HasPrefix(t, "*fmt.") {
			return t
		}
	}
	return fmt.Sprintf("%T", err)
}

var (
	uuidPattern   = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	hexPattern    = regexp.MustCompile(`(?i)\b0x[0-9a-f]+\b|\b[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b|\b[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*\b`)
	numberPattern = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)
)

// normalizeMessage replaces what varies between occurrences of one log
// line (UUIDs, hex values, numbers) with placeholders, so that "payment
// 7731 declined" and "payment 7732 declined" are one issue.
func normalizeMessage(msg string) string {
	msg = uuidPattern.ReplaceAllString(msg, "<uuid>")
	msg = hexPattern.ReplaceAllStringFunc(msg, func(s string) string {
		if len(s) < 6 && !strings.HasPrefix(strings.ToLower(s), "0x") {
			return s // a short word such as "add1" or "b2b" is text
		}
		return "<hex>"
	})
	return numberPattern.ReplaceAllString(msg, "<n>")
}
