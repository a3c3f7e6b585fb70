package crash_test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMonitorProcess checks the monitor's place among processes: a child
// of the application in a process group of its own, so that a terminal's
// Ctrl-C reaches only the application; deaf to a SIGTERM while the
// application lives; gone once the application is.
func TestMonitorProcess(t *testing.T) {
	cmd := exec.Command(crasherWithMonitor(t), "-monitor", "hang")
	cmd.Env = append(os.Environ(), "SENTRY_DSN=", "CRASHER_OUTBOX="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // as a shell's job
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	buf := make([]byte, 256)
	n, _ := stderr.Read(buf)
	m := regexp.MustCompile(`crash monitor started, pid (\d+)`).FindSubmatch(buf[:n])
	if m == nil {
		t.Fatalf("no monitor started: %q", buf[:n])
	}
	mon, _ := strconv.Atoi(string(m[1]))
	app := cmd.Process.Pid

	st := procStat(t, mon)
	if st.ppid != app || st.pgid != mon || st.pgid == app {
		t.Errorf("monitor %d: parent %d, group %d; want parent %d (the application) and a group of its own", mon, st.ppid, st.pgid, app)
	}
	// A stray SIGTERM does not stop the monitor while the application
	// runs, once it has set up its handler.
	waitMonitorReady(t, mon)
	if err := syscall.Kill(mon, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if s := procStat(t, mon); s.state == "Z" || s.state == "" {
		t.Errorf("monitor died of a SIGTERM while the application runs (state %q)", s.state)
	}
	// Ctrl-C in the terminal: SIGINT to the foreground process group.
	if err := syscall.Kill(-app, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := procStat(t, mon)
		if s.state == "" || s.state == "Z" {
			break // exited (a zombie until its new parent reaps it)
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitor %d still running (state %s) 10s after the application exited", mon, s.state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestApplicationExitCodeWithoutMonitor kills the monitor, then makes the
// application crash: its exit code and crash output are as usual.
func TestApplicationExitCodeWithoutMonitor(t *testing.T) {
	cmd := exec.Command(crasherWithMonitor(t), "-monitor", "hang")
	cmd.Env = append(os.Environ(), "SENTRY_DSN=", "CRASHER_OUTBOX="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	buf := make([]byte, 256)
	n, _ := stderr.Read(buf)
	m := regexp.MustCompile(`crash monitor started, pid (\d+)`).FindSubmatch(buf[:n])
	if m == nil {
		t.Fatalf("no monitor started: %q", buf[:n])
	}
	mon, _ := strconv.Atoi(string(m[1]))
	if err := syscall.Kill(mon, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// SIGQUIT: the runtime dumps the goroutines and exits with 2.
	if err := cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	rest := make([]byte, 1<<16)
	k, _ := stderr.Read(rest)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v, want exit status 2", err)
	}
	if !strings.HasPrefix(string(rest[:k]), "SIGQUIT: quit") {
		t.Errorf("stderr after SIGQUIT starts %q, want the goroutine dump", rest[:min(k, 80)])
	}
}

type stat struct {
	state      string
	ppid, pgid int
}

// procStat reads /proc/pid/stat; a process that is gone has state "".
func procStat(t *testing.T, pid int) stat {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 3 {
		t.Fatalf("unreadable /proc/%d/stat: %q", pid, s)
	}
	ppid, _ := strconv.Atoi(f[1])
	pgid, _ := strconv.Atoi(f[2])
	return stat{state: f[0], ppid: ppid, pgid: pgid}
}

// waitMonitorReady waits until the monitor pid has set up its signal
// handling, which it does just before making its standard input
// non-blocking.
func waitMonitorReady(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/fdinfo/0")
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "flags:"); ok {
				flags, _ := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
				if flags&syscall.O_NONBLOCK != 0 {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitor %d not ready after 10s", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMonitorOrphaned: the application exits while another process holds
// the crash pipe open, so the monitor never sees its end; the parent-death
// signal tells it the application is gone, and it exits anyway.
func TestMonitorOrphaned(t *testing.T) {
	const mode = "leak"
	cmd := exec.Command(crasherWithMonitor(t), "-monitor", mode)
	cmd.Env = append(os.Environ(), "SENTRY_DSN=", "CRASHER_OUTBOX="+t.TempDir())
	// A file, not a pipe: the monitor shares it, and Run must not wait
	// for the monitor.
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stderr = f
	err = cmd.Run()
	stderr, _ := os.ReadFile(f.Name())
	if err != nil {
		t.Fatalf("crasher %s: %v\n%s", mode, err, stderr)
	}
	pids := regexp.MustCompile(`pid (\d+)`).FindAllStringSubmatch(string(stderr), -1)
	if len(pids) != 2 {
		t.Fatalf("want the monitor's and the leaking child's pids in:\n%s", stderr)
	}
	mon, _ := strconv.Atoi(pids[0][1])
	holder, _ := strconv.Atoi(pids[1][1])
	t.Cleanup(func() {
		_ = syscall.Kill(holder, syscall.SIGKILL)
		_ = syscall.Kill(mon, syscall.SIGKILL)
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := procStat(t, mon); s.state == "" || s.state == "Z" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orphaned monitor %d still running 10s after the application exited", mon)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := procStat(t, holder); s.state == "" || s.state == "Z" {
		t.Fatalf("the process holding the pipe (%d) is gone: the test proves nothing", holder)
	}
}
