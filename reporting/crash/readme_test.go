package crash_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/crash"
)

// readmeSnippet returns the Go block of the README's section on package
// crash, and the main function of ./internal/readmeexample.
func readmeSnippet(t *testing.T) (readme, program string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Fatal crashes: reporting/crash\n")
	if !ok {
		t.Fatal("README has no section \"## Fatal crashes: reporting/crash\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal("the README's crash section has no Go block")
	}
	readme, _, _ = strings.Cut(block, "```")
	p, err := os.ReadFile(filepath.Join(filepath.Dir(file), "internal", "readmeexample", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(p), "func main() {\n")
	j := strings.Index(string(p)[i:], "\n}\n")
	if i < 0 || j < 0 {
		t.Fatal("internal/readmeexample/main.go has no func main")
	}
	return readme, string(p)[i : i+j+3]
}

// TestReadmeSnippet: the README's snippet is internal/readmeexample's main,
// word for word, and that program runs and exits 0 with its monitor.
func TestReadmeSnippet(t *testing.T) {
	readme, program := readmeSnippet(t)
	if diff := cmp.Diff(program, readme); diff != "" {
		t.Fatalf("README snippet and internal/readmeexample differ (-program +README):\n%s", diff)
	}
	bin := filepath.Join(t.TempDir(), "readmeexample")
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", bin, "./internal/readmeexample")
	build.Dir = filepath.Dir(file)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cache := t.TempDir() // the snippet uses the default outbox
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "HOME="+cache, "SENTRY_DSN=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the application ran") {
		t.Errorf("readmeexample: %v\n%s", err, out)
	}
}

// TestNilMonitor: the Monitor a failed Setup returns is nil, and its
// methods do nothing, so that main can defer Shutdown unconditionally.
func TestNilMonitor(t *testing.T) {
	var m *crash.Monitor
	if err := m.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown on a nil Monitor = %v, want nil", err)
	}
	if pid := m.PID(); pid != 0 {
		t.Errorf("PID of a nil Monitor = %d, want 0", pid)
	}
	if m.IsMonitor() {
		t.Error("IsMonitor of a nil Monitor = true, want false")
	}
}
