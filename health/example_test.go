package health_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

func Example() {
	r, err := health.Setup(context.Background(),
		// A critical dependency, checked every 5 s, each run bounded to 1 s.
		health.WithCheck("db", health.CheckFunc(func(ctx context.Context) error {
			return nil // e.g. db.PingContext(ctx)
		}), health.Every(5*time.Second), health.Timeout(time.Second)),
		// A dependency the service can live without: its failure is a warning.
		health.WithCheck("cache", health.CheckFunc(func(ctx context.Context) error {
			return errors.New("cache unreachable")
		}), health.NonCritical()),
	)
	if err != nil {
		panic(err) // a bad option or check: an errorsx error naming it
	}
	defer r.Shutdown(context.Background())
	waitForResults(r)

	mux := http.NewServeMux()
	r.Handle(mux) // /livez /readyz /startupz /healthz, and /readyz/{check}
	for _, path := range []string{"/readyz", "/readyz/db", "/readyz?exclude=cache", "/"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Printf("%s %d %s", path, w.Code, w.Body)
	}
	// Output:
	// /readyz 200 warn
	// /readyz/db 200 pass
	// /readyz?exclude=cache 200 pass
	// / 404 404 page not found
}

// Options are checked at Setup: a zero value means the default, a value
// out of range is an error that names the option and the value.
func ExampleSetup_invalidOption() {
	_, err := health.Setup(context.Background(), health.WithJitter(1.5))
	fmt.Println(errorsx.CodeOf(err), err)
	for _, f := range errorsx.FieldsOf(err) {
		fmt.Printf("%s=%v\n", f.Key, f.Value)
	}
	// Output:
	// invalid_argument health: WithJitter must be in [0, 1)
	// option=WithJitter
	// value=1.5
}

// A check registered after Setup starts at once.
func ExampleRegistry_Register() {
	r, err := health.Setup(context.Background())
	if err != nil {
		panic(err)
	}
	defer r.Shutdown(context.Background())
	// e.g. once a connection pool exists
	if err := r.Register("queue", health.CheckFunc(func(context.Context) error { return nil })); err != nil {
		panic(err)
	}
	waitForResults(r)
	res, _ := r.Snapshot().Result("queue")
	fmt.Println(res.Name, res.Status, r.Snapshot().Status(health.Readiness))
	// Output: queue pass pass
}

// The results, with counters and durations, are readable from Go, e.g. to
// export them as metrics.
func ExampleSnapshot_Results() {
	r, err := health.Setup(context.Background(),
		health.WithCheck("db", health.CheckFunc(func(ctx context.Context) error { return nil })))
	if err != nil {
		panic(err)
	}
	defer r.Shutdown(context.Background())
	waitForResults(r)

	for _, res := range r.Snapshot().Results() {
		fmt.Println(res.Name, res.Status, res.Runs, res.Failures, res.Duration < time.Second)
	}
	// Output: db pass 1 0 true
}

// Drain takes the process out of the load balancer's rotation, waits, and
// shuts the server down gracefully.
func ExampleRegistry_Drain() {
	r, err := health.Setup(context.Background(), health.WithDrainDelay(10*time.Millisecond))
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Addr: "127.0.0.1:0"}
	// On SIGTERM:
	err = r.Drain(context.Background(), srv)
	fmt.Println(err, r.Snapshot().Status(health.Readiness), r.Snapshot().Status(health.Liveness))
	// Output: <nil> fail pass
}

// Behind an HAProxy whose backend has a plain "option httpchk" (which
// sends OPTIONS / HTTP/1.0 without a Host header), HAProxyCheck answers
// that request with readiness; the application keeps "/" for everything
// else.
func ExampleRegistry_HAProxyCheck() {
	r, err := health.Setup(context.Background())
	if err != nil {
		panic(err)
	}
	defer r.Shutdown(context.Background())
	mux := http.NewServeMux()
	r.Handle(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) { fmt.Fprintln(w, "home") })
	srv := httptest.NewServer(r.HAProxyCheck(mux))
	defer srv.Close()

	for _, request := range []string{
		"OPTIONS / HTTP/1.0\r\n\r\n",                                    // HAProxy's check
		"OPTIONS / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n", // anyone else
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			panic(err)
		}
		_, _ = io.WriteString(conn, request)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	// Output:
	// 200 pass
	// 200 home
}

func waitForResults(r *health.Registry) {
	for {
		s := r.Snapshot()
		pending := false
		for _, res := range s.Results() {
			pending = pending || res.Pending
		}
		if !pending {
			return
		}
		<-s.Next()
	}
}
