//go:build e2e

package health_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// HAProxy's check settings in the test: a server goes DOWN after fall
// failed checks inter apart, and UP after rise passed ones.
const (
	lbInter = 100 * time.Millisecond
	lbFall  = 3
	lbRise  = 2
	// Slack for a check that had just run when the state changed, for the
	// service's own check interval, and for a loaded CI machine.
	lbSlack = lbInter + 50*time.Millisecond + 400*time.Millisecond
)

// serviceEnv makes the example service check its dependency every 50 ms
// with a 10 s timeout (so that a hung dependency stays in flight), drain
// for 1 s (longer than fall×inter) and accept admin requests.
func serviceEnv(t *testing.T) []string {
	return []string{
		"SUPPORTKIT_HEALTH_ADMIN=1",
		"SUPPORTKIT_HEALTH_INTERVAL=50ms",
		"SUPPORTKIT_HEALTH_TIMEOUT=10s",
		"SUPPORTKIT_DRAIN_DELAY=1s",
		"SUPPORTKIT_OUTBOX=" + t.TempDir(),
	}
}

func TestE2EHAProxy(t *testing.T) {
	haproxyBin := findHAProxy(t)
	bin := servicetest.Build(t, "")
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	env := serviceEnv(t)
	svc := map[string]*servicetest.Service{
		"a": servicetest.Start(t, bin, servicetest.Options{Env: env}),
		"b": servicetest.Start(t, bin, servicetest.Options{Env: env}),
	}
	lb := startHAProxy(t, haproxyBin, readyzCheck, "", svc["a"].Addr, svc["b"].Addr)

	t.Run("httpchk GET /readyz marks them UP", func(t *testing.T) {
		for _, name := range []string{"a", "b"} {
			st := lb.waitStatus(t, name, "UP", 5*time.Second)
			if st.checkStatus != "L7OK" || st.checkCode != "200" {
				t.Errorf("server %s: check %s %s, want L7OK 200 (GET /readyz)", name, st.checkStatus, st.checkCode)
			}
		}
	})

	t.Run("critical failure takes it DOWN and back UP", func(t *testing.T) {
		setMode(t, svc["a"], "fail")
		failing := waitReadyz(t, svc["a"], 503)
		lb.waitStatus(t, "a", "DOWN", 10*time.Second)
		down := time.Since(failing)
		if limit := lbFall*lbInter + lbSlack; down > limit {
			t.Errorf("DOWN %v after readiness failed, want within fall×inter (%v) + slack = %v", down, lbFall*lbInter, limit)
		}
		if st := lb.status(t, "b"); st.status != "UP" {
			t.Errorf("server b is %q while a fails, want UP", st.status)
		}
		// Traffic goes to b meanwhile.
		for range 20 {
			if code := get(t, lb.url+"/hello"); code != 200 {
				t.Errorf("GET /hello through HAProxy with a down: %d", code)
			}
		}
		setMode(t, svc["a"], "ok")
		passing := waitReadyz(t, svc["a"], 200)
		lb.waitStatus(t, "a", "UP", 10*time.Second)
		up := time.Since(passing)
		if limit := lbRise*lbInter + lbSlack; up > limit {
			t.Errorf("UP %v after readiness passed, want within rise×inter (%v) + slack = %v", up, lbRise*lbInter, limit)
		}
		t.Logf("DOWN %v after readiness failed (fall×inter %v); UP %v after it passed (rise×inter %v)",
			down.Round(time.Millisecond), lbFall*lbInter, up.Round(time.Millisecond), lbRise*lbInter)
	})

	t.Run("non-critical failure keeps it UP", func(t *testing.T) {
		setMode(t, svc["a"], "degraded")
		defer setMode(t, svc["a"], "ok")
		if body := waitBody(t, svc["a"].URL+"/readyz", "warn\n"); body != "warn\n" {
			t.Fatalf("readyz body %q, want warn", body)
		}
		lb.stayStatus(t, "a", "UP", 3*lbFall*lbInter)
	})

	t.Run("hung dependency keeps it UP with millisecond checks", func(t *testing.T) {
		setMode(t, svc["a"], "hang")
		// Let the run in flight finish: the next one hangs.
		time.Sleep(4 * 50 * time.Millisecond)
		hungSince := inventoryTime(t, svc["a"])
		// HAProxy's "timeout check" is 100 ms: every check must be
		// answered within it for the server to stay UP.
		lb.stayStatus(t, "a", "UP", 10*lbFall*lbInter)
		if st := lb.status(t, "a"); st.checkStatus != "L7OK" {
			t.Errorf("last check %s, want L7OK", st.checkStatus)
		}
		// The inventory check was in flight all along: no new result.
		if got := inventoryTime(t, svc["a"]); !got.Equal(hungSince) {
			t.Errorf("inventory check finished at %v during the hang; want it hung since %v", got, hungSince)
		}
		setMode(t, svc["a"], "ok")
		if after := waitInventoryAfter(t, svc["a"], hungSince); !after.After(hungSince) {
			t.Errorf("inventory check did not finish after the hang was released")
		}
	})

	t.Run("rolling restart drops no request", func(t *testing.T) {
		rollingRestart(t, lb, bin, env, svc, "DOWN")
	})
}

// With "http-check disable-on-404" and the service answering 404 while it
// drains, HAProxy puts the draining server in NOLB: no new traffic, the
// current sessions finish.
func TestE2EHAProxyDisableOn404(t *testing.T) {
	haproxyBin := findHAProxy(t)
	bin := servicetest.Build(t, "")
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	env := append(serviceEnv(t), "SUPPORTKIT_DRAIN_NOT_FOUND=1")
	svc := map[string]*servicetest.Service{
		"a": servicetest.Start(t, bin, servicetest.Options{Env: env}),
		"b": servicetest.Start(t, bin, servicetest.Options{Env: env}),
	}
	lb := startHAProxy(t, haproxyBin, readyzCheck, "http-check disable-on-404", svc["a"].Addr, svc["b"].Addr)
	for _, name := range []string{"a", "b"} {
		lb.waitStatus(t, name, "UP", 5*time.Second)
	}
	rollingRestart(t, lb, bin, env, svc, "NOLB")
}

// HAProxy's plain "option httpchk" sends "OPTIONS / HTTP/1.0" without a
// Host header. examples/health wraps its mux in reg.HAProxyCheck, which
// answers that request with readiness: the servers are UP, and a server
// that drains goes DOWN before it exits. examples/health serves nothing
// on "/" but that check.
func TestE2EHAProxyPlainCheck(t *testing.T) {
	haproxyBin := findHAProxy(t)
	bin := servicetest.Build(t, "./examples/health")
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	dep, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dep.Close() })
	args := []string{"-dep", dep.Addr().String(), "-interval", "50ms", "-drain-delay", "1s"}
	svc := map[string]*servicetest.Service{
		"a": servicetest.Start(t, bin, servicetest.Options{Args: args}),
		"b": servicetest.Start(t, bin, servicetest.Options{Args: args}),
	}
	lb := startHAProxy(t, haproxyBin, "option httpchk", "", svc["a"].Addr, svc["b"].Addr)
	for _, name := range []string{"a", "b"} {
		st := lb.waitStatus(t, name, "UP", 5*time.Second)
		if st.checkStatus != "L7OK" || st.checkCode != "200" {
			t.Errorf("server %s: check %s %s, want L7OK 200 (OPTIONS / answered by readiness)", name, st.checkStatus, st.checkCode)
		}
	}
	if code := get(t, svc["a"].URL+"/"); code != http.StatusNotFound {
		t.Errorf("GET / answered %d, want 404: the check must not take the path", code)
	}
	if err := svc["a"].Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	st := lb.waitStatus(t, "a", "DOWN", 5*time.Second)
	if st.checkCode != "503" {
		t.Errorf("draining server a: check %s %s, want 503", st.checkStatus, st.checkCode)
	}
	if _, exited := svc["a"].Wait(0); exited {
		t.Error("server a exited before HAProxy took it out")
	}
	if err, exited := svc["a"].Wait(10 * time.Second); !exited || err != nil {
		t.Errorf("server a after SIGTERM: exited %v, err %v\n%s", exited, err, svc["a"].Stderr())
	}
	if st := lb.status(t, "b"); st.status != "UP" {
		t.Errorf("server b is %q, want UP", st.status)
	}
}

// rollingRestart sends SIGTERM to each service in turn, waits until
// HAProxy shows it draining (as status draining) and until it exits, starts
// it again on the same address and waits until it is UP, all under
// continuous requests through HAProxy, none of which may fail.
func rollingRestart(t *testing.T, lb *haproxy, bin string, env []string, svc map[string]*servicetest.Service, draining string) {
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(lb.url + "/hello")
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				} else {
					ok.Add(1)
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	for _, name := range []string{"a", "b"} {
		old := svc[name]
		if err := old.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		// Readiness fails at once, so HAProxy takes it out before the
		// drain delay ends and the server shuts down.
		lb.waitStatus(t, name, draining, 10*time.Second)
		if _, exited := old.Wait(0); exited {
			t.Errorf("server %s exited before HAProxy took it out", name)
		}
		err, exited := old.Wait(15 * time.Second)
		if !exited || err != nil {
			t.Fatalf("server %s after SIGTERM: exited %v, err %v\n%s", name, exited, err, old.Stderr())
		}
		svc[name] = servicetest.Start(t, bin, servicetest.Options{Env: env, Addr: old.Addr})
		lb.waitStatus(t, name, "UP", 10*time.Second)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d requests through HAProxy during the rolling restart, %d failed", ok.Load(), failed.Load())
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed during the rolling restart; first: %v", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
	}
	if ok.Load() < 100 {
		t.Errorf("only %d requests went through", ok.Load())
	}
}

// findHAProxy returns the path of haproxy, installed by
// .ci/setup.d/haproxy.sh.
func findHAProxy(t *testing.T) string {
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/haproxy"); err == nil {
		return "/usr/sbin/haproxy"
	}
	t.Fatal("haproxy not found in PATH nor /usr/sbin: run .ci/setup.d/haproxy.sh (apt-get install -y haproxy)")
	return ""
}

type haproxy struct {
	url   string
	sock  string
	mu    sync.Mutex
	out   bytes.Buffer
	state map[string]serverState
}

type serverState struct{ status, checkStatus, checkCode string }

// readyzCheck is the backend's check line that the package documentation
// recommends: it names the probe.
const readyzCheck = "option httpchk GET /readyz"

// startHAProxy runs haproxy in front of addrA and addrB (servers a and b),
// checking them with check ("option httpchk ...") and extra lines in the
// backend, until the test ends.
func startHAProxy(t *testing.T, bin, check, extra, addrA, addrB string) *haproxy {
	dir := t.TempDir()
	lb := &haproxy{url: "http://" + servicetest.FreeAddr(t), sock: filepath.Join(dir, "stats.sock")}
	cfg := fmt.Sprintf(`global
	stats socket %s mode 600 level admin

defaults
	mode http
	timeout connect 1s
	timeout client 10s
	timeout server 10s
	timeout check 100ms
	retries 3
	option redispatch

frontend fe
	bind %s
	default_backend be

backend be
	%s
	%s
	default-server inter %dms fall %d rise %d
	server a %s check
	server b %s check
`, lb.sock, strings.TrimPrefix(lb.url, "http://"), check, extra, lbInter.Milliseconds(), lbFall, lbRise, addrA, addrB)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	cmd.Stdout, cmd.Stderr = &lockedBuffer{mu: &lb.mu, b: &lb.out}, &lockedBuffer{mu: &lb.mu, b: &lb.out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			lb.mu.Lock()
			t.Logf("haproxy output:\n%s", lb.out.String())
			lb.mu.Unlock()
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := lb.show(); err == nil {
			return lb
		}
		select {
		case <-done:
			t.Fatalf("haproxy exited:\n%s", lb.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy stats socket did not answer:\n%s", lb.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// show reads the servers' states from the stats socket ("show stat").
func (lb *haproxy) show() (map[string]serverState, error) {
	conn, err := net.DialTimeout("unix", lb.sock, time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "show stat\n"); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil {
		return nil, err
	}
	text := strings.TrimPrefix(strings.TrimSpace(string(data)), "# ")
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("bad stats %q: %v", text, err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	out := map[string]serverState{}
	for _, row := range rows[1:] {
		if row[col["pxname"]] == "be" && row[col["svname"]] != "BACKEND" {
			// HAProxy prefixes the last result with "* " while the next
			// check is under way.
			check := strings.TrimPrefix(row[col["check_status"]], "* ")
			out[row[col["svname"]]] = serverState{row[col["status"]], check, row[col["check_code"]]}
		}
	}
	return out, nil
}

func (lb *haproxy) status(t *testing.T, server string) serverState {
	t.Helper()
	states, err := lb.show()
	if err != nil {
		t.Fatal(err)
	}
	return states[server]
}

// waitStatus waits until server's status is want ("UP") or starts with it
// ("DOWN", "DOWN 1/2").
func (lb *haproxy) waitStatus(t *testing.T, server, want string, timeout time.Duration) serverState {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := lb.status(t, server)
		if st.status == want || (want == "DOWN" && strings.HasPrefix(st.status, "DOWN")) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %s is %q (check %s %s) after %v, want %s", server, st.status, st.checkStatus, st.checkCode, timeout, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stayStatus checks that server's status stays want for d.
func (lb *haproxy) stayStatus(t *testing.T, server, want string, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	for n := 0; time.Now().Before(end); n++ {
		if st := lb.status(t, server); st.status != want {
			t.Fatalf("server %s became %q (check %s %s) after %d polls, want it to stay %s", server, st.status, st.checkStatus, st.checkCode, n, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func setMode(t *testing.T, s *servicetest.Service, mode string) {
	t.Helper()
	resp, err := http.Post(s.URL+"/admin/dependency?mode="+mode, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("set mode %s: %d", mode, resp.StatusCode)
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitReadyz waits until the service's /readyz answers code and returns
// when it first did.
func waitReadyz(t *testing.T, s *servicetest.Service, code int) time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for get(t, s.URL+"/readyz") != code {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz of %s did not answer %d", s.Addr, code)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Now()
}

func waitBody(t *testing.T, url, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) == want || time.Now().After(deadline) {
			return string(b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// inventoryTime is when the service's inventory check last finished, from
// /readyz?verbose.
func inventoryTime(t *testing.T, s *servicetest.Service) time.Time {
	t.Helper()
	resp, err := http.Get(s.URL + "/readyz?verbose")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Checks map[string][]struct {
			Time time.Time `json:"time"`
		} `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Checks["inventory:checkDuration"][0].Time
}

func waitInventoryAfter(t *testing.T, s *servicetest.Service, after time.Time) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if tm := inventoryTime(t, s); tm.After(after) {
			return tm
		}
		select {
		case <-ctx.Done():
			return after
		case <-time.After(5 * time.Millisecond):
		}
	}
}
