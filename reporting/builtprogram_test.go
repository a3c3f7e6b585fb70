package reporting_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// shopProgram is a small application, module example.com/shop, with a
// package of its own besides main. It captures one error (made in
// orders.load) to an outbox and exits.
var shopProgram = map[string]string{
	"main.go": `package main

import (
	"context"
	"os"

	"example.com/shop/orders"
	"github.com/supportkit/supportkit/reporting"
)

func main() {
	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(os.Args[1], 0))
	if err != nil {
		panic(err)
	}
	ctx := rep.Bind(context.Background())
	orders.Charge(ctx)
	if err := rep.Shutdown(ctx); err != nil {
		panic(err)
	}
}
`,
	"orders/orders.go": `package orders

import (
	"context"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
)

//go:noinline
func load() error { return errorsx.Unavailable.New("orders database down") }

// Charge reports the failure of load.
//
//go:noinline
func Charge(ctx context.Context) { reporting.Capture(ctx, load()) }
`,
}

// TestBuiltProgramEvent builds shopProgram as a user would (with and
// without -trimpath, which changes file paths but not function names) and
// checks the event it leaves in its outbox: in_app by the one rule (its
// main module's packages and main; not the runtime, not supportkit), the
// fingerprint named after its own code, the modules of its build, no
// release (nothing to derive it from) and supportkit as the SDK.
func TestBuiltProgramEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program: not in -short")
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for _, trimpath := range []bool{true, false} {
		name := "without -trimpath"
		if trimpath {
			name = "with -trimpath"
		}
		t.Run(name, func(t *testing.T) {
			src := t.TempDir()
			files := map[string]string{
				"go.mod": "module example.com/shop\n\ngo 1.26\n\nrequire github.com/supportkit/supportkit v0.0.0\n\nreplace github.com/supportkit/supportkit => " + root + "\n",
				"go.sum": string(sum),
			}
			for k, v := range shopProgram {
				files[k] = v
			}
			for f, text := range files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(src, f)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(src, f), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			bin := filepath.Join(t.TempDir(), "shop")
			args := []string{"build", "-o", bin}
			if trimpath {
				args = append(args, "-trimpath")
			}
			build := exec.Command(goTool, append(args, ".")...)
			build.Dir = src
			// Everything comes from the module cache: -mod=mod completes
			// go.mod from supportkit's requirements, without the network.
			build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			dir := t.TempDir()
			run := exec.Command(bin, dir)
			run.Env = append(os.Environ(), "SENTRY_RELEASE=", "SENTRY_DSN=")
			if out, err := run.CombinedOutput(); err != nil {
				t.Fatalf("shop: %v\n%s", err, out)
			}
			ev := onlyOutboxEvent(t, dir)
			if len(ev.Exception) != 1 || ev.Exception[0].Stacktrace == nil {
				t.Fatalf("exceptions %+v: want one with a stack", ev.Exception)
			}
			inApp := map[string]bool{}
			for _, f := range ev.Exception[0].Stacktrace.Frames {
				inApp[f.Module+"."+f.Function] = f.InApp
			}
			got := map[string]any{
				"in_app":      inApp,
				"fingerprint": ev.Fingerprint,
				"release":     ev.Release,
				"sdk":         ev.Sdk.Name + " " + ev.Sdk.Version,
				"modules": map[string]string{
					"github.com/getsentry/sentry-go":   ev.Modules["github.com/getsentry/sentry-go"],
					"github.com/supportkit/supportkit": ev.Modules["github.com/supportkit/supportkit"],
				},
				"app": []any{ev.Contexts["app"]["app_identifier"], ev.Contexts["app"]["app_name"]},
			}
			want := map[string]any{
				"in_app": map[string]bool{
					"example.com/shop/orders.load":   true,
					"example.com/shop/orders.Charge": true,
					"main.main":                      true,
					"runtime.main":                   false,
				},
				"fingerprint": []string{"unavailable", "example.com/shop/orders.load"},
				"release":     "",
				"sdk":         "supportkit.go devel",
				"modules": map[string]string{
					"github.com/getsentry/sentry-go":   "v" + sentry.SDKVersion,
					"github.com/supportkit/supportkit": "(local)",
				},
				"app": []any{"example.com/shop", "shop"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event of the built program mismatch (-want +got):\n%s", diff)
			}
			if trimpath && strings.Contains(ev.Exception[0].Stacktrace.Frames[0].AbsPath, src) {
				t.Errorf("-trimpath build has source paths: %+v", ev.Exception[0].Stacktrace.Frames[0])
			}
		})
	}
}

// onlyOutboxEvent returns the one event in an outbox directory.
func onlyOutboxEvent(t *testing.T, dir string) *sentry.Event {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.envelope"))
	if len(files) != 1 {
		t.Fatalf("outbox holds %d envelopes, want 1", len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	env, err := outbox.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := env.Events()
	if err != nil || len(evs) != 1 {
		t.Fatalf("envelope holds %d events (%v), want 1", len(evs), err)
	}
	return evs[0]
}
