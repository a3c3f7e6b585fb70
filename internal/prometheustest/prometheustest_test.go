package prometheustest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/supportkit/supportkit/internal/prometheustest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeT is a testing.TB whose Fatal ends the calling goroutine, as
// testing's does, and whose cleanups the test runs when it wants.
type fakeT struct {
	testing.TB // the real test: TempDir, Helper, Logf
	mu         sync.Mutex
	fatal      string
	cleanups   []func()
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeT) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatal += fmt.Sprintf(format, args...)
}

func (f *fakeT) Failed() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.fatal != "" }

func (f *fakeT) Logf(string, ...any) {}

func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// run calls fn as a test body would be called: in its own goroutine,
// which Fatal ends; it returns what Fatal or Errorf said.
func (f *fakeT) run(fn func()) string {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal
}

// cleanup runs the cleanups, last first, as testing does.
func (f *fakeT) cleanup() {
	f.mu.Lock()
	fns := f.cleanups
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// A prometheus that exits before it is ready (a bad flag, a port taken)
// fails the test with its output, and the cleanup returns at once instead
// of waiting for a process that is gone.
func TestStartPrometheusExitsEarly(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\necho 'unknown flag' >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, "prometheus"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)

	ft := &fakeT{TB: t}
	got := ft.run(func() { prometheustest.Start(ft, "job", "127.0.0.1:1") })
	if want := "prometheus exited before it was ready: exit status 3\nunknown flag\n"; got != want {
		t.Errorf("Start's failure: mismatch (-want +got):\n%s", cmp.Diff(want, got))
	}
	cleaned := make(chan struct{})
	go func() { ft.cleanup(); close(cleaned) }()
	select {
	case <-cleaned:
	case <-time.After(10 * time.Second):
		t.Fatal("the cleanup did not return within 10s of prometheus' exit")
	}
}

func TestStartWithoutPrometheus(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ft := &fakeT{TB: t}
	got := ft.run(func() { prometheustest.Start(ft, "job", "127.0.0.1:1") })
	if !strings.Contains(got, "run .ci/setup.d/prometheus.sh") {
		t.Errorf("Start without prometheus failed with %q, want the setup script named", got)
	}
}

func TestEventuallyTimesOut(t *testing.T) {
	ft := &fakeT{TB: t}
	calls := 0
	got := ft.run(func() {
		prometheustest.Eventually(ft, "the answer", 0, func() string { calls++; return "still 41" })
	})
	if diff := cmp.Diff("the answer: not within 0s: still 41", got); diff != "" {
		t.Errorf("Eventually's failure: mismatch (-want +got):\n%s", diff)
	}
	if calls != 1 {
		t.Errorf("cond was called %d times, want once", calls)
	}
}

// fakeAPI answers Prometheus' query API with body, whatever is asked, and
// keeps the queries asked.
func fakeAPI(t *testing.T, status int, body string) (*prometheustest.Server, *[]string) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path+" "+r.URL.Query().Get("query"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return &prometheustest.Server{URL: srv.URL}, &asked
}

func TestQuery(t *testing.T) {
	prom, asked := fakeAPI(t, http.StatusOK, `{"status":"success","data":{"resultType":"vector","result":[
		{"metric":{"__name__":"up","job":"api","instance":"a"},"value":[1700000000.123,"1"]},
		{"metric":{"__name__":"up","job":"db"},"value":[1700000000.123,"0.5"]}]}}`)
	got, err := prom.Query(`up{job=~".+"}`, "job", "instance")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]float64{"job=api,instance=a": 1, "job=db,instance=": 0.5}, got); diff != "" {
		t.Errorf("Query: mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`/api/v1/query up{job=~".+"}`}, *asked); diff != "" {
		t.Errorf("asked: mismatch (-want +got):\n%s", diff)
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"bad query", 400, `{"status":"error","errorType":"bad_data","error":"parse error at char 3"}`, "query up{: 400 Bad Request: parse error at char 3"},
		{"not JSON", 502, `<html>bad gateway</html>`, "query up{: 502 Bad Gateway: invalid character '<' looking for beginning of value"},
		{"value not a number", 200, `{"status":"success","data":{"result":[{"metric":{},"value":[1,"x"]}]}}`, `query up{: strconv.ParseFloat: parsing "x": invalid syntax`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prom, _ := fakeAPI(t, tt.status, tt.body)
			_, err := prom.Query("up{")
			if err == nil {
				t.Fatal("Query: no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Query's error: mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExemplarTraceIDs(t *testing.T) {
	prom, asked := fakeAPI(t, http.StatusOK, `{"status":"success","data":[
		{"seriesLabels":{"__name__":"d_bucket","le":"0.1"},"exemplars":[
			{"labels":{"trace_id":"aa","span_id":"01"},"value":"0.05","timestamp":1700000000.1},
			{"labels":{"trace_id":"bb"},"value":"0.07","timestamp":1700000001.1}]},
		{"seriesLabels":{"__name__":"d_bucket","le":"1"},"exemplars":[{"labels":{"trace_id":"cc"},"value":"0.5","timestamp":1700000002}]}]}`)
	got, err := prom.ExemplarTraceIDs(`d_bucket{route="/x"}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"aa", "bb", "cc"}, got); diff != "" {
		t.Errorf("ExemplarTraceIDs: mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`/api/v1/query_exemplars d_bucket{route="/x"}`}, *asked); diff != "" {
		t.Errorf("asked: mismatch (-want +got):\n%s", diff)
	}
}

func TestExpectPositive(t *testing.T) {
	prom, _ := fakeAPI(t, http.StatusOK, `{"status":"success","data":{"result":[
		{"metric":{"route":"/a"},"value":[1,"0.25"]},{"metric":{"route":"/b"},"value":[1,"3"]}]}}`)
	prom.ExpectPositive(t, "rate(x[1m])", []string{"route=/a", "route=/b"}, "route")
}

var traceparent = regexp.MustCompile(`^00-([0-9a-f]{32})-[0-9a-f]{16}-01$`)

func TestTraceIDs(t *testing.T) {
	var sent prometheustest.TraceIDs
	var ids []string
	for range 2 {
		tp := sent.Traceparent()
		m := traceparent.FindStringSubmatch(tp)
		if m == nil {
			t.Fatalf("Traceparent() = %q, want 00-<32 hex>-<16 hex>-01", tp)
		}
		ids = append(ids, m[1])
	}
	if ids[0] == ids[1] {
		t.Fatalf("two Traceparent calls gave the same trace ID %s", ids[0])
	}
	const unknown = "0af7651916cd43dd8448eb211c80319c"
	tests := []struct {
		ids  []string
		want string
	}{
		{ids, ""},
		{ids[1:], ""},
		{nil, "no exemplar for /x"},
		{[]string{ids[0], unknown}, "an exemplar of /x has the trace ID " + unknown + ", which the test did not send"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, sent.Check("/x", tt.ids)); diff != "" {
			t.Errorf("Check(%q): mismatch (-want +got):\n%s", tt.ids, diff)
		}
	}
}

// Requests sent from several goroutines record their trace IDs while the
// test checks exemplars.
func TestTraceIDsConcurrent(t *testing.T) {
	var sent prometheustest.TraceIDs
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() { ids[i] = traceparent.FindStringSubmatch(sent.Traceparent())[1] })
		wg.Go(func() { _ = sent.Check("/x", []string{"00"}) })
	}
	wg.Wait()
	if got := sent.Check("/x", ids); got != "" {
		t.Error(got)
	}
}
