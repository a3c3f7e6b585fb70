package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	alex "github.com/alexliesenfeld/health"
	hellofresh "github.com/hellofresh/health-go/v5"

	"github.com/supportkit/supportkit/health"
)

// healthLib is one library, set up by start with a single check named
// "dep", ready to serve readiness; stop releases what start started.
type healthLib struct {
	name  string
	start func(tb testing.TB, check func(context.Context) error, interval, timeout time.Duration) (h http.Handler, stop func())
}

// healthLibs lists the libraries, each configured as its README
// recommends: supportkit and alexliesenfeld-periodic run the check in the
// background every interval; alexliesenfeld (its default) runs it during
// a poll when its 1 s cache has expired, holding its lock meanwhile;
// hellofresh runs it on every poll. static writes 200 "ok" and has no
// check.
var healthLibs = []healthLib{
	{"supportkit", func(tb testing.TB, check func(context.Context) error, interval, timeout time.Duration) (http.Handler, func()) {
		reg, err := health.Setup(context.Background(),
			health.WithCheck("dep", health.CheckFunc(check), health.Every(interval), health.Timeout(timeout)))
		if err != nil {
			tb.Fatal(err)
		}
		return reg.Handler(health.Readiness), func() { _ = reg.Shutdown(context.Background()) }
	}},
	{"static", func(testing.TB, func(context.Context) error, time.Duration, time.Duration) (http.Handler, func()) {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(okBody)
		}), func() {}
	}},
	{"alexliesenfeld", func(tb testing.TB, check func(context.Context) error, interval, timeout time.Duration) (http.Handler, func()) {
		c := alex.NewChecker(alex.WithTimeout(timeout), alex.WithCheck(alex.Check{Name: "dep", Check: check}))
		return alex.NewHandler(c), c.Stop
	}},
	{"alexliesenfeld-periodic", func(tb testing.TB, check func(context.Context) error, interval, timeout time.Duration) (http.Handler, func()) {
		c := alex.NewChecker(alex.WithTimeout(timeout), alex.WithPeriodicCheck(interval, 0, alex.Check{Name: "dep", Check: check}))
		return alex.NewHandler(c), c.Stop
	}},
	{"hellofresh", func(tb testing.TB, check func(context.Context) error, interval, timeout time.Duration) (http.Handler, func()) {
		h, err := hellofresh.New(hellofresh.WithChecks(hellofresh.Config{Name: "dep", Timeout: timeout, Check: check}))
		if err != nil {
			tb.Fatal(err)
		}
		return h.Handler(), func() {}
	}},
}

func passing(context.Context) error { return nil }

// withNoStore adds static-nostore after static: static plus the one header
// every probe answer must carry, Cache-Control: no-store. Setting any
// header costs net/http a copy of the header map at WriteHeader (it skips
// the copy only for handlers that never call Header()), so static-nostore
// is the floor for a probe handler.
func withNoStore(libs []healthLib) []healthLib {
	return slices.Insert(slices.Clone(libs), 2, healthLib{"static-nostore",
		func(testing.TB, func(context.Context) error, time.Duration, time.Duration) (http.Handler, func()) {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Cache-Control"] = noStore
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(okBody)
			}), func() {}
		}})
}

// waitPassing polls h until it answers 200: the first result is in.
func waitPassing(tb testing.TB, h http.Handler) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
		if w.Code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not passing after 30s: %d %s", w.Code, w.Body)
		}
		time.Sleep(time.Millisecond)
	}
}

var (
	okBody  = []byte("ok")
	noStore = []string{"no-store"}
)

// BenchmarkPoll measures one readiness poll with one passing check, in
// process (httptest.ResponseRecorder), against a handler that writes 200
// "ok" (static) and the peers.
func BenchmarkPoll(b *testing.B) {
	for _, lib := range withNoStore(healthLibs) {
		b.Run(lib.name, func(b *testing.B) {
			h, stop := lib.start(b, passing, time.Second, time.Second)
			defer stop()
			waitPassing(b, h)
			req := httptest.NewRequest("GET", "/readyz", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkPollHTTP is BenchmarkPoll through a real net/http server and
// client on 127.0.0.1 with keep-alive, as a load balancer polls.
func BenchmarkPollHTTP(b *testing.B) {
	for _, lib := range withNoStore(healthLibs) {
		b.Run(lib.name, func(b *testing.B) {
			h, stop := lib.start(b, passing, time.Second, time.Second)
			defer stop()
			waitPassing(b, h)
			srv := httptest.NewServer(h)
			defer srv.Close()
			client := srv.Client()
			defer client.CloseIdleConnections()
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Get(srv.URL + "/readyz")
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

// Load scenario: 10 clients poll readiness over HTTP, each as soon as its
// previous poll is answered plus a 2 ms pause (up to 5000 polls/s in all,
// far above what load balancers send, but leaving the 2 CPUs of a CI
// machine some room, so that the latencies are the libraries' and not the
// scheduler's), while the dependency takes 2 s to answer.
const (
	loadPause    = 2 * time.Millisecond
	loadClients  = 10
	loadDepDelay = 2 * time.Second
	loadWindow   = 3 * time.Second
	loadInterval = time.Second
)

// BenchmarkPollSlowDependency reports, per library, the p50, p99 and
// maximum latency of the polls (ms), how many polls were answered, how many did
// not answer 200, and how many times the dependency was called during the
// window. Each library is warmed up first (its first result is in), so
// that the window measures steady state. One iteration takes about
// loadWindow plus the warm-up, whatever b.N.
func BenchmarkPollSlowDependency(b *testing.B) {
	for _, lib := range healthLibs {
		b.Run(lib.name, func(b *testing.B) {
			var calls atomic.Int64
			dep := func(ctx context.Context) error {
				calls.Add(1)
				t := time.NewTimer(loadDepDelay)
				defer t.Stop()
				select {
				case <-t.C:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			h, stop := lib.start(b, dep, loadInterval, 3*time.Second)
			defer stop()
			srv := httptest.NewServer(h)
			defer srv.Close()
			client := &http.Client{
				Timeout:   10 * time.Second,
				Transport: &http.Transport{MaxIdleConnsPerHost: loadClients},
			}
			defer client.CloseIdleConnections()
			waitPassing(b, h)
			for range b.N {
				calls.Store(0)
				lat, fails := poll(b, client, srv.URL+"/readyz")
				slices.Sort(lat)
				b.ReportMetric(ms(lat[len(lat)*50/100]), "p50-ms")
				b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
				b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
				b.ReportMetric(float64(len(lat)), "polls")
				b.ReportMetric(float64(fails), "non200")
				b.ReportMetric(float64(calls.Load()), "dep-calls")
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// poll runs loadClients pollers for loadWindow and returns the latencies
// of the polls and how many did not answer 200.
func poll(b *testing.B, client *http.Client, url string) ([]time.Duration, int) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		fails int
		wg    sync.WaitGroup
	)
	end := time.Now().Add(loadWindow)
	for range loadClients {
		wg.Go(func() {
			for time.Now().Before(end) {
				start := time.Now()
				resp, err := client.Get(url)
				d := time.Since(start)
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					resp.Body.Close()
				}
				mu.Lock()
				lat = append(lat, d)
				if !ok {
					fails++
				}
				mu.Unlock()
				time.Sleep(loadPause)
			}
		})
	}
	wg.Wait()
	if len(lat) == 0 {
		b.Fatal("no polls")
	}
	return lat, fails
}
