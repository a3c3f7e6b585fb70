package checks_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/checks"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// outcome is what a test compares: the error's code ("" when nil) and
// message.
type outcome struct{ Code, Msg string }

func outcomeOf(err error) outcome {
	if err == nil {
		return outcome{}
	}
	var e *errorsx.Error
	msg := err.Error()
	if errors.As(err, &e) {
		msg = e.Message()
	}
	return outcome{errorsx.CodeOf(err).String(), msg}
}

func run(t *testing.T, c health.Checker) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return outcomeOf(c.Check(ctx))
}

func TestTCPDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := ln.Addr().String()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := closed.Addr().String()
	closed.Close()
	t.Cleanup(func() { ln.Close() })
	tests := []struct {
		name, addr string
		want       outcome
	}{
		{"listening", up, outcome{}},
		{"refused", down, outcome{"unavailable", "tcp dial"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, run(t, checks.TCPDial(nil, tt.addr))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDNS(t *testing.T) {
	r := &net.Resolver{PreferGo: true}
	tests := []struct {
		name, host string
		want       outcome
	}{
		{"localhost", "localhost", outcome{}},
		{"invalid", "no-such-host.invalid", outcome{"unavailable", "dns lookup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, run(t, checks.DNS(r, tt.host))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHTTPGet(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte("ok"))
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	client := srv.Client()
	t.Cleanup(client.CloseIdleConnections)
	tests := []struct {
		name, path string
		codes      []int
		want       outcome
	}{
		{"2xx", "/ok", nil, outcome{}},
		{"503", "/down", nil, outcome{"unavailable", "http get: unexpected status"}},
		{"expected code", "/teapot", []int{http.StatusTeapot}, outcome{}},
		{"unexpected code", "/ok", []int{http.StatusNoContent}, outcome{"unavailable", "http get: unexpected status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, run(t, checks.HTTPGet(client, srv.URL+tt.path, tt.codes...))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for %d checks, want 1 (the client's pool reused)", n, len(tests))
	}
	if diff := cmp.Diff(outcome{"unavailable", "http get"}, run(t, checks.HTTPGet(client, "http://"+closedAddr(t)))); diff != "" {
		t.Errorf("refused mismatch (-want +got):\n%s", diff)
	}
}

func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// fakeDriver is a database/sql driver whose Ping fails when down is set.
type fakeDriver struct {
	down  atomic.Bool
	opens atomic.Int32
}

func (d *fakeDriver) Open(string) (driver.Conn, error)             { d.opens.Add(1); return fakeConn{d}, nil }
func (d *fakeDriver) Connect(context.Context) (driver.Conn, error) { return d.Open("") }
func (d *fakeDriver) Driver() driver.Driver                        { return d }

type fakeConn struct{ d *fakeDriver }

func (fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (fakeConn) Close() error                        { return nil }
func (fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }
func (c fakeConn) Ping(context.Context) error {
	if c.d.down.Load() {
		return errors.New("server gone")
	}
	return nil
}

func TestSQLPing(t *testing.T) {
	d := &fakeDriver{}
	db := sql.OpenDB(d)
	t.Cleanup(func() { db.Close() })
	got := []outcome{run(t, checks.SQLPing(db)), run(t, checks.SQLPing(db))}
	d.down.Store(true)
	got = append(got, run(t, checks.SQLPing(db)), run(t, checks.SQLPing(nil)))
	want := []outcome{{}, {}, {"unavailable", "sql ping"}, {"failed_precondition", "sql ping: nil *sql.DB"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if n := d.opens.Load(); n != 1 {
		t.Errorf("%d connections opened, want 1 (the pool's)", n)
	}
}

func TestThresholds(t *testing.T) {
	tests := []struct {
		name  string
		check health.Checker
		want  outcome
	}{
		{"goroutines under", checks.Goroutines(1 << 20), outcome{}},
		{"goroutines over", checks.Goroutines(0), outcome{"failed_precondition", "goroutine count above threshold"}},
		{"heap under", checks.HeapBytes(1 << 60), outcome{}},
		{"heap over", checks.HeapBytes(1), outcome{"failed_precondition", "heap size above threshold"}},
		{"disk enough", checks.DiskFree(t.TempDir(), 1), outcome{}},
		{"disk short", checks.DiskFree(t.TempDir(), 1<<62), outcome{"failed_precondition", "disk free space below threshold"}},
		{"disk missing", checks.DiskFree("/no/such/dir", 1), outcome{"unavailable", "disk free: statfs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, run(t, tt.check)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The checkers report what they measure, for health+json's observedValue
// and observedUnit.
func TestObservations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	client := srv.Client()
	t.Cleanup(client.CloseIdleConnections)
	tests := []struct {
		name        string
		check       health.Measurer
		measurement string
		unit        string
		min         float64 // the value is at least this
	}{
		{"goroutines", checks.Goroutines(1 << 20), "count", "goroutines", 1},
		{"goroutines over", checks.Goroutines(0), "count", "goroutines", 1},
		{"heap", checks.HeapBytes(1 << 60), "size", "bytes", 1},
		{"disk", checks.DiskFree(t.TempDir(), 1), "free", "bytes", 1},
		{"disk short", checks.DiskFree(t.TempDir(), 1<<62), "free", "bytes", 1},
		{"http", checks.HTTPGet(client, srv.URL), "responseTime", "ms", 0},
		{"http wrong status", checks.HTTPGet(client, srv.URL, 204), "responseTime", "ms", 0},
		{"tcp", checks.TCPDial(nil, srv.Listener.Addr().String()), "responseTime", "ms", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, _ := tt.check.Measure(context.Background())
			got := [2]string{obs.Measurement, obs.Unit}
			if diff := cmp.Diff([2]string{tt.measurement, tt.unit}, got); diff != "" {
				t.Errorf("measurement and unit mismatch (-want +got):\n%s", diff)
			}
			if obs.Value < tt.min {
				t.Errorf("value %v, want at least %v", obs.Value, tt.min)
			}
		})
	}
}
