package outbox_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// runChild is the test binary re-executed as a second process.
//
//	claim: open the outbox, print "ready", wait for a line on stdin, then
//	       claim and mark done everything for the destination, printing
//	       each name.
//	hold:  open the outbox, claim one envelope, print its name and wait
//	       (to be killed).
func runChild(mode string) int {
	dir, dest := os.Getenv("OUTBOX_TEST_DIR"), os.Getenv("OUTBOX_TEST_DEST")
	o, err := outbox.Open(dir, outbox.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer o.Close()
	in := bufio.NewReader(os.Stdin)
	switch mode {
	case "claim":
		fmt.Println("ready")
		if _, err := in.ReadString('\n'); err != nil {
			return 2
		}
		for {
			c, err := o.Claim(dest)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			if c == nil {
				return 0
			}
			fmt.Println(c.Name)
			if err := o.Done(c); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
	case "hold":
		c, err := o.Claim(dest)
		if err != nil || c == nil {
			fmt.Fprintln(os.Stderr, "nothing claimed:", err)
			return 1
		}
		fmt.Println(c.Name)
		_, _ = io.ReadAll(in) // until killed
		return 0
	}
	return 2
}

type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

func startChild(t *testing.T, mode, dir, dest string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "OUTBOX_TEST_DIR="+dir, "OUTBOX_TEST_DEST="+dest)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return &child{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
}

func (c *child) line(t *testing.T) string {
	t.Helper()
	l, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("child output: %q, %v", l, err)
	}
	return strings.TrimSuffix(l, "\n")
}

func TestTwoProcessesClaimEachEnvelopeOnce(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, outbox.Options{})
	want := map[string]int{}
	for i := range 300 {
		want[write(t, o, fmt.Sprintf("e%03d", i), dest1, 200)] = 1
	}
	children := []*child{startChild(t, "claim", dir, dest1), startChild(t, "claim", dir, dest1)}
	for _, c := range children {
		if l := c.line(t); l != "ready" {
			t.Fatalf("child said %q, want ready", l)
		}
	}
	for _, c := range children {
		_, _ = io.WriteString(c.stdin, "go\n")
	}
	got := map[string]int{}
	for i, c := range children {
		rest, err := io.ReadAll(c.out)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
		names := strings.Fields(string(rest))
		t.Logf("child %d claimed %d", i, len(names))
		for _, n := range names {
			got[n]++
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims per envelope mismatch (-want +got):\n%s", diff)
	}
	if err := o.Rescan(); err != nil {
		t.Fatal(err)
	}
	if s := o.Stats(); s.Files != 0 {
		t.Errorf("%d files pending after both children, want 0", s.Files)
	}
}

func TestSIGKILLBetweenClaimAndDoneLosesNothing(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "solaris" || runtime.GOOS == "aix" {
		t.Skip("no flock on " + runtime.GOOS + ": a dead owner's claims are not recovered")
	}
	dir := t.TempDir()
	w := open(t, dir, outbox.Options{})
	for i := range 5 {
		write(t, w, fmt.Sprintf("e%02d", i), dest1, 0)
	}
	_ = w.Close()

	c := startChild(t, "hold", dir, dest1)
	name := c.line(t)
	claimed, _ := filepath.Glob(filepath.Join(dir, ".claimed", "*", name))
	if len(claimed) != 1 {
		t.Fatalf("claimed file of %s not found", name)
	}

	o := open(t, dir, outbox.Options{})
	if s := o.Stats(); s.Files != 4 || s.Recovered != 0 {
		t.Errorf("stats while the claimant lives %+v, want 4 pending, nothing recovered", s)
	}
	if err := c.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = c.cmd.Wait()

	if err := o.Rescan(); err != nil {
		t.Fatal(err)
	}
	if s := o.Stats(); s.Files != 5 || s.Recovered != 1 {
		t.Errorf("stats after SIGKILL %+v, want 5 pending, 1 recovered", s)
	}
	if diff := cmp.Diff(ids("e", 0, 5), claimAll(t, o, dest1)); diff != "" {
		t.Errorf("envelopes after recovery mismatch (-want +got):\n%s", diff)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".claimed", "*", "*")); len(left) != 0 {
		t.Errorf("claims left: %v", left)
	}
	if locks, _ := filepath.Glob(filepath.Join(dir, ".owners", "*")); len(locks) != 1 {
		t.Errorf("lock files %v, want only the live Outbox's", locks)
	}

	// Open recovers too.
	write(t, o, "f00", dest1, 0)
	_ = o.Close()
	c = startChild(t, "hold", dir, dest1)
	c.line(t)
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
	o = open(t, dir, outbox.Options{})
	if s := o.Stats(); s.Files != 1 || s.Recovered != 1 {
		t.Errorf("stats of Open after SIGKILL %+v, want 1 pending, 1 recovered", s)
	}
}
