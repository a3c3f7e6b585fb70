package crash_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var crasherDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crasher-")
	if err != nil {
		panic(err)
	}
	crasherDir = dir
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		_ = os.RemoveAll(dir)
		os.Exit(code)
	}))
}

var (
	buildMu   sync.Mutex
	buildErrs = map[string]error{}
)

// crasher builds ./internal/crasher without the crash monitor (see its
// doc) once per test binary and returns its path.
func crasher(t testing.TB) string { return build(t, "nomonitor") }

// crasherWithMonitor builds ./internal/crasher with the crash monitor.
func crasherWithMonitor(t testing.TB) string { return build(t, "") }

// crasherTrimpath builds ./internal/crasher with the crash monitor and
// -trimpath.
func crasherTrimpath(t testing.TB) string { return build(t, "", "-trimpath") }

func build(t testing.TB, tags string, flags ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := strings.Join(append([]string{tags}, flags...), " ")
	bin := filepath.Join(crasherDir, "crasher"+strings.ReplaceAll(key, " ", ""))
	err, done := buildErrs[key]
	if !done {
		_, file, _, _ := runtime.Caller(0)
		args := append([]string{"build", "-tags=" + tags}, flags...)
		cmd := exec.Command("go", append(args, "-o", bin, "./internal/crasher")...)
		cmd.Dir = filepath.Dir(file)
		if out, berr := cmd.CombinedOutput(); berr != nil {
			err = fmt.Errorf("go build ./internal/crasher: %v\n%s", berr, out)
		}
		buildErrs[key] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// run runs bin with args and the extra environment, waits for it (and for
// its monitor, which shares its standard error) at most a minute, and
// returns its standard error and exit code.
func run(t testing.TB, bin string, env []string, args ...string) (stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var b bytes.Buffer
	cmd.Stderr = &b
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %v did not exit within a minute; stderr:\n%s", filepath.Base(bin), args, b.String())
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%s %v: %v", filepath.Base(bin), args, err)
	}
	return b.String(), code
}
