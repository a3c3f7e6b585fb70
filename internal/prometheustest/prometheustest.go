package prometheustest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/internal/servicetest"
)

// Server is a Prometheus server: the one [Start] runs, or any other whose
// HTTP API is at URL.
type Server struct {
	// URL is the base of its HTTP API, such as "http://127.0.0.1:9090".
	URL string
}

// Start runs prometheus on 127.0.0.1 with exemplar storage, scraping
// http://target/metrics (target is host:port) every second under the job
// name job. It fails the test when prometheus is not installed or does not
// become ready within 30 s, and stops it when the test ends.
func Start(t testing.TB, job, target string) *Server {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus is not installed (%v): run .ci/setup.d/prometheus.sh", err)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: `+strconv.Quote(job)+`
    metrics_path: /metrics
    static_configs:
      - targets: [`+strconv.Quote(target)+`]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := servicetest.FreeAddr(t)
	cmd := exec.Command(bin,
		"--config.file="+config,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--enable-feature=exemplar-storage",
		"--log.level=warn")
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	done := make(chan struct{}) // closed once exitErr is set
	go func() { exitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("prometheus did not stop within 15s of SIGTERM")
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})
	s := &Server{URL: "http://" + addr}
	Eventually(t, "prometheus ready", 30*time.Second, func() string {
		select {
		case <-done:
			t.Fatalf("prometheus exited before it was ready: %v\n%s", exitErr, logs.String())
		default:
		}
		resp, err := http.Get(s.URL + "/-/ready")
		if err != nil {
			return err.Error()
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.Status
		}
		return ""
	})
	return s
}

// Eventually polls cond every 250ms until it returns "" or timeout has
// passed; then it fails the test with what cond last returned. It is for
// waiting on another process (Prometheus' scrapes, an exporter's
// interval), which no fake clock can speed up.
func Eventually(t testing.TB, what string, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		last := cond()
		if last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, timeout, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Query runs the instant query q and returns each series of the answer as
// its labels, joined as "k=v,..." in the order of keys, with its value.
func (s *Server) Query(q string, keys ...string) (map[string]float64, error) {
	var data struct {
		Result []struct {
			Metric map[string]string
			Value  [2]any
		}
	}
	if err := s.get("/api/v1/query", url.Values{"query": {q}}, &data); err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	out := map[string]float64{}
	for _, r := range data.Result {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + r.Metric[k]
		}
		v, ok := r.Value[1].(string)
		if !ok {
			return nil, fmt.Errorf("query %s: value %v is not a string", q, r.Value[1])
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", q, err)
		}
		out[strings.Join(parts, ",")] = f
	}
	return out, nil
}

// ExemplarTraceIDs returns the trace_id labels of the exemplars Prometheus
// holds for the series q selects, over the last ten minutes.
func (s *Server) ExemplarTraceIDs(q string) ([]string, error) {
	now := time.Now()
	var data []struct {
		Exemplars []struct{ Labels map[string]string }
	}
	err := s.get("/api/v1/query_exemplars", url.Values{
		"query": {q},
		"start": {strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)},
		"end":   {strconv.FormatInt(now.Add(time.Minute).Unix(), 10)},
	}, &data)
	if err != nil {
		return nil, fmt.Errorf("query_exemplars %s: %w", q, err)
	}
	var ids []string
	for _, series := range data {
		for _, e := range series.Exemplars {
			ids = append(ids, e.Labels["trace_id"])
		}
	}
	return ids, nil
}

// get calls the API at path with the query v and decodes the answer's data
// into data.
func (s *Server) get(path string, v url.Values, data any) error {
	resp, err := http.Get(s.URL + path + "?" + v.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Error  string
		Data   json.RawMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s: %w", resp.Status, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s", resp.Status, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

// Expect polls the instant query q for up to a minute until the series it
// returns, as [Server.Query] gives them with keys, are exactly want.
func (s *Server) Expect(t testing.TB, q string, want map[string]float64, keys ...string) {
	t.Helper()
	Eventually(t, q, time.Minute, func() string {
		got, err := s.Query(q, keys...)
		if err != nil {
			return err.Error()
		}
		if diff := cmp.Diff(want, got); diff != "" {
			return "mismatch (-want +got):\n" + diff
		}
		return ""
	})
}

// ExpectPositive polls the instant query q for up to a minute until it
// returns exactly the series want (labels as [Server.Query] gives them
// with keys), each with a value above zero: for rates and gauges whose
// exact value the test cannot know.
func (s *Server) ExpectPositive(t testing.TB, q string, want []string, keys ...string) {
	t.Helper()
	wantPositive := map[string]bool{}
	for _, k := range want {
		wantPositive[k] = true
	}
	Eventually(t, q, time.Minute, func() string {
		got, err := s.Query(q, keys...)
		if err != nil {
			return err.Error()
		}
		gotPositive := map[string]bool{}
		for k, v := range got {
			gotPositive[k] = v > 0
		}
		if diff := cmp.Diff(wantPositive, gotPositive); diff != "" {
			return "mismatch (-want +got: series → value > 0):\n" + diff
		}
		return ""
	})
}

// ExpectExemplars polls for up to a minute until Prometheus holds
// exemplars for the series q selects and each has a trace ID in sent.
func (s *Server) ExpectExemplars(t testing.TB, q string, sent *TraceIDs) {
	t.Helper()
	Eventually(t, "exemplars of "+q, time.Minute, func() string {
		ids, err := s.ExemplarTraceIDs(q)
		if err != nil {
			return err.Error()
		}
		return sent.Check(q, ids)
	})
}

// TraceIDs is the set of trace IDs a test has sent in traceparent headers,
// which exemplars must hold. The zero value is empty and ready to use; it
// is safe for concurrent use.
type TraceIDs struct {
	mu  sync.Mutex
	ids map[string]bool
}

// Traceparent returns a W3C traceparent header of a new random trace ID,
// sampled (flags 01), and remembers the trace ID.
func (s *TraceIDs) Traceparent() string {
	var id [16]byte
	_, _ = rand.Read(id[:]) // never fails
	traceID := hex.EncodeToString(id[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]bool{}
	}
	s.ids[traceID] = true
	return "00-" + traceID + "-00f067aa0ba902b7-01"
}

// Check says what is wrong with the exemplar trace IDs found for what:
// there are none, or one was never sent; "" when each was sent.
func (s *TraceIDs) Check(what string, ids []string) string {
	if len(ids) == 0 {
		return "no exemplar for " + what
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if !s.ids[id] {
			return "an exemplar of " + what + " has the trace ID " + id + ", which the test did not send"
		}
	}
	return ""
}

// lockedBuffer is prometheus' output, written by the os/exec goroutine
// and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
