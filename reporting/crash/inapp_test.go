package crash_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// inAppFrame is a frame of a crash event as grouping sees it.
type inAppFrame struct {
	Function string
	InApp    bool
}

func inAppFrames(t *testing.T, ev map[string]any) (frames []inAppFrame, fingerprint any) {
	t.Helper()
	exs := ev["exception"].([]any)
	last := exs[len(exs)-1].(map[string]any)
	for _, f := range last["stacktrace"].(map[string]any)["frames"].([]any) {
		f := f.(map[string]any)
		in, _ := f["in_app"].(bool)
		frames = append(frames, inAppFrame{f["module"].(string) + "." + f["function"].(string), in})
	}
	return frames, ev["fingerprint"]
}

// TestInAppWithAndWithoutTrimpath crashes the crasher in a callback that
// a dependency (sentry-go) calls, built with and without -trimpath: in
// both, the application's frames are in-app and the dependency's and the
// runtime's are not (before, a dependency's frame was in-app under
// -trimpath, whose file paths lose the module cache), and the event is
// grouped by the function that panicked.
func TestInAppWithAndWithoutTrimpath(t *testing.T) {
	want := []inAppFrame{
		{"main.main", true},
		{"main.panicInDependencyCallback", true},
		{"github.com/getsentry/sentry-go.(*Hub).WithScope", false},
		{"main.panicInDependencyCallback.func1", true},
		{"main.explode", true},
	}
	wantFingerprint := []any{"panic", "main.explode"}
	for name, bin := range map[string]string{"default": crasherWithMonitor(t), "trimpath": crasherTrimpath(t)} {
		t.Run(name, func(t *testing.T) {
			got, fp := inAppFrames(t, crashEventJSON(t, bin, "dependency"))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("in_app mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantFingerprint, fp); diff != "" {
				t.Errorf("fingerprint mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
