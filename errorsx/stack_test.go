package errorsx_test

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
)

// here returns the function and line of its caller, to compare frames with.
//
//go:noinline
func here() (string, int) {
	pc, _, line, _ := runtime.Caller(1)
	return runtime.FuncForPC(pc).Name(), line
}

type site struct {
	Function string
	Line     int
}

func top(frames []errorsx.Frame) site {
	if len(frames) == 0 {
		return site{}
	}
	return site{frames[0].Function, frames[0].Line}
}

//go:noinline
func makeRoot() (error, site) {
	fn, line := here()
	err := errorsx.NotFound.New("root") // must stay on the line after here()
	return err, site{fn, line + 1}
}

//go:noinline
func wrapIt(err error) (error, site) {
	fn, line := here()
	err = errorsx.Wrap(err, "wrapped") // must stay on the line after here()
	return err, site{fn, line + 1}
}

// newHelper makes errors on its caller's behalf, as a project's own
// helper would.
//
//go:noinline
func newHelper(msg string) error { return errorsx.NewSkip(1, errorsx.Internal, msg) }

//go:noinline
func wrapHelper(err error) error { return errorsx.WrapSkip(1, err, errorsx.Code{}, "helper") }

func TestStackStartsWhereErrorStarts(t *testing.T) {
	root, rootSite := makeRoot()
	if diff := cmp.Diff(rootSite, top(errorsx.StackOf(root))); diff != "" {
		t.Errorf("root stack top mismatch (-want +got):\n%s", diff)
	}
	callerFn, _ := here()
	if frames := errorsx.StackOf(root); len(frames) < 2 || frames[1].Function != callerFn {
		t.Errorf("second frame = %+v, want %s", frames, callerFn)
	}

	wrapped, wrapSite := wrapIt(root)
	var layer *errorsx.Error
	if !errors.As(wrapped, &layer) {
		t.Fatal("not an *errorsx.Error")
	}
	// Wrapping an errorsx error records only the wrapping frame...
	if n := len(layer.StackTrace()); n != 1 {
		t.Errorf("wrapping layer recorded %d frames, want 1", n)
	}
	if diff := cmp.Diff(wrapSite, top(layer.Frames())); diff != "" {
		t.Errorf("wrapping frame mismatch (-want +got):\n%s", diff)
	}
	// ...and the error's stack stays the root's.
	if diff := cmp.Diff(rootSite, top(errorsx.StackOf(wrapped))); diff != "" {
		t.Errorf("StackOf(wrapped) top mismatch (-want +got):\n%s", diff)
	}
	// Also through a foreign wrapper in between.
	mid := fmt.Errorf("mid: %w", root)
	if n := len(errorsx.Wrap(mid, "x").(*errorsx.Error).StackTrace()); n != 1 {
		t.Errorf("wrap over fmt.Errorf over errorsx recorded %d frames, want 1", n)
	}
}

func TestWrapForeignCapturesFullStack(t *testing.T) {
	wrapped, wrapSite := wrapIt(io.EOF)
	layer := wrapped.(*errorsx.Error)
	if n := len(layer.StackTrace()); n < 3 {
		t.Errorf("wrapping a foreign error recorded %d frames, want the whole stack", n)
	}
	if diff := cmp.Diff(wrapSite, top(errorsx.StackOf(wrapped))); diff != "" {
		t.Errorf("stack top mismatch (-want +got):\n%s", diff)
	}
}

func TestSkipHelpers(t *testing.T) {
	fn, line := here()
	err := newHelper("x") // must stay on the line after here()
	if diff := cmp.Diff(site{fn, line + 1}, top(errorsx.StackOf(err))); diff != "" {
		t.Errorf("NewSkip(1) top mismatch (-want +got):\n%s", diff)
	}
	fn, line = here()
	w := wrapHelper(err) // must stay on the line after here()
	if diff := cmp.Diff(site{fn, line + 1}, top(w.(*errorsx.Error).Frames())); diff != "" {
		t.Errorf("WrapSkip(1) frame mismatch (-want +got):\n%s", diff)
	}
	// A negative skip is treated as 0, never a panic.
	fn, line = here()
	neg := errorsx.NewSkip(-5, errorsx.Code{}, "x") // must stay on the line after here()
	if diff := cmp.Diff(site{fn, line + 1}, top(errorsx.StackOf(neg))); diff != "" {
		t.Errorf("NewSkip(-5) top mismatch (-want +got):\n%s", diff)
	}
}

func TestStackOfWithoutStack(t *testing.T) {
	if s := errorsx.StackOf(io.EOF); s != nil {
		t.Errorf("StackOf(foreign) = %v, want nil", s)
	}
	if s := errorsx.StackOf(nil); s != nil {
		t.Errorf("StackOf(nil) = %v, want nil", s)
	}
}

// TestSentryFindsOurFrames uses sentry-go's own extraction, which looks for
// a StackTrace method by reflection: errorsx never imports sentry-go, only
// this test does.
func TestSentryFindsOurFrames(t *testing.T) {
	root, rootSite := makeRoot()
	st := sentry.ExtractStacktrace(root)
	if st == nil || len(st.Frames) == 0 {
		t.Fatal("sentry-go found no stack trace on an errorsx error")
	}
	// Sentry orders frames outermost first: the origin is the last.
	last := st.Frames[len(st.Frames)-1]
	got := site{last.Module + "." + last.Function, last.Lineno}
	if diff := cmp.Diff(rootSite, got); diff != "" {
		t.Errorf("sentry's innermost frame mismatch (-want +got):\n%s", diff)
	}

	wrapped, wrapSite := wrapIt(root)
	st = sentry.ExtractStacktrace(wrapped)
	if st == nil || len(st.Frames) != 1 {
		t.Fatalf("sentry-go found %v on the wrapping layer, want its one frame", st)
	}
	f := st.Frames[0]
	if diff := cmp.Diff(wrapSite, site{f.Module + "." + f.Function, f.Lineno}); diff != "" {
		t.Errorf("sentry's wrapping frame mismatch (-want +got):\n%s", diff)
	}
}

// TestImportsStayLight enforces DESIGN.md's rule: importing errorsx pulls in
// nothing beyond the standard library and zapcore (and what zapcore needs).
func TestImportsStayLight(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var bad []string
	for _, p := range strings.Fields(string(out)) {
		allowed := p == "github.com/supportkit/supportkit/errorsx" ||
			p == "github.com/supportkit/supportkit/internal/tokenshape" || // stdlib only, shared with reporting
			strings.HasPrefix(p, "go.uber.org/zap/") || // zapcore and its internal packages
			p == "go.uber.org/multierr"
		if !allowed {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		t.Errorf("errorsx depends on %v; it may import only the standard library and go.uber.org/zap/zapcore", bad)
	}
}
