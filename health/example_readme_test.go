package health_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/health/checks"
)

// The README's health snippet is serveWithProbes as written here (the
// root package's TestReadmeSnippets checks it); Example_readme runs it.

// drainDelay is short here so that the example runs quickly; in production
// it is longer than the load balancer's interval × fall (0 keeps 5 s).
var drainDelay = time.Second

func serveWithProbes(ctx context.Context, log *zap.Logger, db *sql.DB, ln net.Listener, queueAddr string) error {
	reg, err := health.Setup(ctx,
		health.WithLogger(log),
		health.WithDetails(fromInternalNetwork),
		health.WithCheck("db", checks.SQLPing(db), health.Every(5*time.Second), health.Timeout(time.Second)),
		health.WithDrainDelay(drainDelay), // longer than the load balancer's interval × fall
	)
	if err != nil {
		return err // duplicate names, negative intervals, nil checks: errors here, never panics later
	}
	mux := http.NewServeMux()
	reg.Handle(mux) // /livez /readyz /startupz /healthz, and /readyz/db; nothing else
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)

	if err := reg.Register("queue", checks.TCPDial(nil, queueAddr)); err != nil { // later: starts at once
		log.Error("queue check not registered", zap.Error(err))
	}

	<-ctx.Done()
	// On SIGTERM: readiness fails at once, liveness keeps passing, the drain
	// delay passes, then the server shuts down gracefully and the checks stop.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 25*time.Second)
	defer cancel()
	return reg.Drain(shutdownCtx, srv) // or reg.Shutdown(ctx): idempotent, bounded by ctx
}

// fromInternalNetwork lets callers on the loopback or a private network
// read the error text of failing checks.
func fromInternalNetwork(r *http.Request) bool {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate())
}

// The README's snippet: probes served from checks that run in the
// background, a check registered later, and the drain on SIGTERM.
func Example_readme() {
	db := sql.OpenDB(pingConnector{})
	defer db.Close()
	queue, err := net.Listen("tcp", "127.0.0.1:0") // the queue the second check dials
	if err != nil {
		panic(err)
	}
	defer queue.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	base := "http://" + ln.Addr().String()

	draining := make(chan struct{})
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{}), zapcore.AddSync(io.Discard), zap.InfoLevel), zap.Hooks(func(e zapcore.Entry) error {
		if strings.Contains(e.Message, "draining") {
			close(draining)
		}
		return nil
	}))
	ctx, sigterm := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveWithProbes(ctx, log, db, ln, queue.Addr().String()) }()

	// Wait until the check registered later has passed, then poll.
	for deadline := time.Now().Add(10 * time.Second); probe(base+"/readyz/queue") != "200 pass"; {
		if time.Now().After(deadline) {
			fmt.Println("queue check not passing:", probe(base+"/readyz/queue"))
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, path := range []string{"/readyz", "/readyz/db", "/readyz/queue", "/livez"} {
		fmt.Println(path, probe(base+path))
	}

	sigterm()
	select {
	case <-draining: // during the drain delay
	case <-time.After(10 * time.Second):
		fmt.Println("no drain")
	}
	for _, path := range []string{"/readyz", "/livez"} {
		fmt.Println("draining:", path, probe(base+path))
	}
	fmt.Println("drained:", <-done)
	fmt.Println("after:", probe(base+"/livez"))
	// Output:
	// /readyz 200 pass
	// /readyz/db 200 pass
	// /readyz/queue 200 pass
	// /livez 200 pass
	// draining: /readyz 503 fail
	// draining: /livez 200 pass
	// drained: <nil>
	// after: connection refused
}

// probe returns the status and body of a GET of url.
func probe(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return "connection refused"
		}
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
}

// pingConnector is a database/sql connector whose connections answer Ping.
type pingConnector struct{}

func (pingConnector) Connect(context.Context) (driver.Conn, error) { return pingConn{}, nil }
func (c pingConnector) Driver() driver.Driver                      { return c }
func (pingConnector) Open(string) (driver.Conn, error)             { return pingConn{}, nil }

type pingConn struct{}

func (pingConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (pingConn) Close() error                        { return nil }
func (pingConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }
func (pingConn) Ping(context.Context) error          { return nil }
