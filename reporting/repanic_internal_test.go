package reporting

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

type repanicStringer struct{}

func (repanicStringer) String() string { return "stringer text" }

type repanicName string

// repanicValues are panic values of each kind the runtime prints
// differently.
var repanicValues = map[string]any{
	"string":              "plain text",
	"error":               errors.New("error text"),
	"Stringer":            repanicStringer{},
	"pointer to Stringer": &repanicStringer{},
	"int":                 -42,
	"uint8":               uint8(7),
	"bool":                true,
	"named string":        repanicName("x"),
	"float":               1.5,
	"struct":              struct{ A int }{1},
}

// TestPrintedPanicValueIsTheRuntimes: the value that marks a re-panicked
// event is what the Go runtime prints after "panic: " for the same value
// (so that the crash monitor recognises the crash), or "" where the
// process cannot predict it. Each value is panicked in a child process.
func TestPrintedPanicValueIsTheRuntimes(t *testing.T) {
	if name := os.Getenv("REPANIC_VALUE"); name != "" {
		done := make(chan struct{})
		go func() { panic(repanicValues[name]) }()
		<-done
	}
	for name, v := range repanicValues {
		t.Run(name, func(t *testing.T) {
			printed := printedPanicValue(v)
			if printed == "" {
				return // unpredictable: the monitor matches on the process alone
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestPrintedPanicValueIsTheRuntimes$")
			cmd.Env = append(os.Environ(), "REPANIC_VALUE="+name)
			out, _ := cmd.CombinedOutput()
			i := strings.Index(string(out), "panic: ")
			if i < 0 {
				t.Fatalf("the child did not panic:\n%s", out)
			}
			first, _, _ := strings.Cut(string(out[i:]), "\n")
			if want := "panic: " + printed; first != want {
				t.Errorf("runtime printed %q, printedPanicValue says %q", first, want)
			}
		})
	}
}
