package flightrec_test

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/internal/tracetasks"
)

// clock is the injected clock of the rate-limit tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 30, 7, 33, 45, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup starts a recorder that the test shuts down.
func setup(t testing.TB, opts ...flightrec.Option) *flightrec.Recorder {
	t.Helper()
	r, err := flightrec.Setup(context.Background(), opts...)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return r
}

// attachment returns the snapshot's attachment whose name starts with
// prefix and ends with suffix.
func attachment(t *testing.T, s *flightrec.Snapshot, prefix, suffix string) flightrec.Attachment {
	t.Helper()
	for _, a := range s.Attachments {
		if strings.HasPrefix(a.Filename, prefix) && strings.HasSuffix(a.Filename, suffix) {
			return a
		}
	}
	t.Fatalf("no attachment %s*%s in %v", prefix, suffix, names(s))
	return flightrec.Attachment{}
}

func names(s *flightrec.Snapshot) []string {
	var n []string
	for _, a := range s.Attachments {
		n = append(n, a.Filename)
	}
	return n
}

// traceTasks reads an execution trace and returns, per trace ID logged
// under flightrec.TraceIDCategory, the type of the task it was logged in.
func traceTasks(t *testing.T, data []byte) map[string]string {
	t.Helper()
	tasks, err := tracetasks.Read(data, flightrec.TraceIDCategory)
	if err != nil {
		t.Fatalf("reading the execution trace: %v", err)
	}
	return tasks
}

// parseProfile parses a gzipped pprof profile and returns it with the
// functions of its samples' stacks.
func parseProfile(t *testing.T, data []byte) (*profile.Profile, map[string]bool) {
	t.Helper()
	p, err := profile.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parsing the profile: %v", err)
	}
	funcs := map[string]bool{}
	for _, s := range p.Sample {
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				funcs[line.Function.Name] = true
			}
		}
	}
	return p, funcs
}

// parkForDump starts a goroutine that waits in a function of a known name
// until the test ends.
func parkForDump(t *testing.T) {
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() { parkedForDump(ch); close(done) }()
	t.Cleanup(func() { close(ch); <-done })
	for !strings.Contains(allStacks(), "parkedForDump") {
		runtime.Gosched()
	}
}

//go:noinline
func parkedForDump(ch chan struct{}) { <-ch }

func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// heapKept keeps what allocateForHeap allocates alive until the test ends.
var heapKept [][]byte

//go:noinline
func allocateForHeap() {
	heapKept = append(heapKept, make([]byte, 4<<20))
}
