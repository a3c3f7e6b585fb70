package flightrec_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/flightrec"
)

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// Small bounds make the rate-limit and storm tests' snapshots cheap: they
// test who gets a snapshot, not what is in it.
var cheap = flightrec.WithLimits(1, 1, 1, 1)

// Each kind has its own rate limit, read from the injected clock: by
// default one snapshot per kind per 5 minutes.
func TestRateLimitPerKind(t *testing.T) {
	clk := newClock()
	r := setup(t, flightrec.WithClock(clk.Now), cheap)
	type step struct {
		advance time.Duration
		kind    flightrec.Kind
		want    bool
	}
	steps := []step{
		{0, flightrec.KindPanic, true},
		{0, flightrec.KindPanic, false},
		{0, flightrec.KindSlow, true},
		{5*time.Minute - 1, flightrec.KindPanic, false},
		{0, flightrec.KindManual, true},
		{1, flightrec.KindPanic, true},
		{0, flightrec.KindSlow, true},
		{0, flightrec.KindPanic, false},
		{0, flightrec.KindManual, false},
	}
	var got, want []bool
	for _, s := range steps {
		clk.Advance(s.advance)
		got = append(got, r.Trigger(s.kind, "rate") != nil)
		want = append(want, s.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("snapshot taken, per step, mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(flightrec.Stats{Snapshots: 5, RateLimited: 4}, r.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

func TestRateLimitOption(t *testing.T) {
	clk := newClock()
	r := setup(t, flightrec.WithClock(clk.Now), cheap,
		flightrec.WithRateLimit(time.Hour), flightrec.WithRateLimit(time.Second, flightrec.KindSlow))
	r.Trigger(flightrec.KindSlow, "first")
	r.Trigger(flightrec.KindPanic, "first")
	clk.Advance(time.Second)
	if r.Trigger(flightrec.KindSlow, "a second later") == nil {
		t.Error("slow: no snapshot a second later, want one (its limit is 1s)")
	}
	clk.Advance(time.Hour - time.Second - 1)
	if r.Trigger(flightrec.KindPanic, "an hour later, less 1ns") != nil {
		t.Error("panic: a snapshot less than an hour later, want none (its limit is 1h)")
	}
	clk.Advance(1)
	if r.Trigger(flightrec.KindPanic, "an hour later") == nil {
		t.Error("panic: no snapshot an hour later, want one")
	}
}

// A storm of 1000 concurrent triggers of every kind does at most one
// snapshot per kind, counts every other trigger, and allocates no more
// than those snapshots do.
func TestStorm(t *testing.T) {
	clk := newClock()
	r := setup(t, flightrec.WithClock(clk.Now), flightrec.WithLimits(64<<10, 64<<10, 64<<10, 64<<10))
	kinds := []flightrec.Kind{flightrec.KindPanic, flightrec.KindError5xx,
		flightrec.KindSlow, flightrec.KindReadiness, flightrec.KindManual}

	// What one snapshot allocates, to bound what the storm may.
	var before, after runtime.MemStats
	probe := setupProbe(t)
	runtime.ReadMemStats(&before)
	probe.Trigger(flightrec.KindManual, "probe")
	runtime.ReadMemStats(&after)
	perSnapshot := after.TotalAlloc - before.TotalAlloc

	const storm = 1000
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []*flightrec.Snapshot
	start := make(chan struct{})
	runtime.ReadMemStats(&before)
	for i := range storm {
		wg.Go(func() {
			<-start
			if s := r.Trigger(kinds[i%len(kinds)], "storm"); s != nil {
				mu.Lock()
				got = append(got, s)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	runtime.ReadMemStats(&after)

	st := r.Stats()
	if len(got) == 0 || len(got) > len(kinds) || st.Snapshots != uint64(len(got)) {
		t.Errorf("%d snapshots (Stats says %d), want 1 to %d", len(got), st.Snapshots, len(kinds))
	}
	if sum := st.Snapshots + st.RateLimited + st.Dropped; sum != storm {
		t.Errorf("Stats %+v add up to %d, want %d", st, sum, storm)
	}
	perKind := map[flightrec.Kind]int{}
	for _, s := range got {
		perKind[s.Kind]++
		if perKind[s.Kind] > 1 {
			t.Errorf("%d snapshots of kind %v, want at most 1", perKind[s.Kind], s.Kind)
		}
	}
	// The snapshots may cost what the probe measured (their trace part
	// aside, hence twice that); the goroutines' closures about 1 KiB each.
	budget := uint64(len(got))*perSnapshot*2 + 2<<20
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > budget {
		t.Errorf("the storm allocated %d bytes, want at most %d (%d snapshots of about %d bytes)", alloc, budget, len(got), perSnapshot)
	}

	// A sustained storm, one trigger after another, within the rate
	// limit: no snapshot, and next to no allocation.
	clk.Advance(time.Minute)
	runtime.ReadMemStats(&before)
	for i := range storm {
		if s := r.Trigger(kinds[i%len(kinds)], "sustained storm"); s != nil && perKind[s.Kind] > 0 {
			t.Errorf("a second snapshot of kind %v within its rate limit", s.Kind)
		}
	}
	runtime.ReadMemStats(&after)
	if st := r.Stats(); st.Snapshots > uint64(len(kinds)) {
		t.Errorf("%d snapshots after %d triggers of %d kinds, want at most %d", st.Snapshots, 2*storm, len(kinds), len(kinds))
	}
	if got := r.Stats(); got.RateLimited < st.RateLimited+storm-uint64(len(kinds)) {
		t.Errorf("RateLimited = %d, want at least %d", got.RateLimited, st.RateLimited+storm-uint64(len(kinds)))
	}
	budget = (uint64(len(kinds))-uint64(len(got)))*perSnapshot*2 + 64<<10
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > budget {
		t.Errorf("the sustained storm allocated %d bytes, want at most %d", alloc, budget)
	}
}

// setupProbe starts a second recorder, which runs without an execution
// trace (the first holds the runtime's one): it measures the other parts.
func setupProbe(t *testing.T) *flightrec.Recorder {
	return setup(t, flightrec.WithLimits(64<<10, 64<<10, 64<<10, 64<<10))
}

// Triggers that come while a snapshot is being taken are dropped at once
// and counted, whatever their kind: a storm never queues snapshot work.
func TestTriggerWhileSnapshotting(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	r := setup(t, cheap, flightrec.WithCapturing(func() {
		once.Do(func() { close(entered); <-release })
	}))
	first := make(chan *flightrec.Snapshot)
	go func() { first <- r.Trigger(flightrec.KindPanic, "first") }()
	<-entered

	var wg sync.WaitGroup
	for i := range 999 {
		wg.Go(func() {
			if s := r.Trigger(flightrec.Kind(i%5+1), "meanwhile"); s != nil {
				t.Errorf("trigger %d got a snapshot while another was being taken", i)
			}
		})
	}
	wg.Wait()
	close(release)
	if s := <-first; s == nil {
		t.Error("the first trigger got no snapshot")
	}
	if diff := cmp.Diff(flightrec.Stats{Snapshots: 1, Dropped: 999}, r.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
	if s := r.Trigger(flightrec.KindSlow, "after"); s == nil {
		t.Error("no snapshot once the first was done")
	}
}

func TestSlow(t *testing.T) {
	r := setup(t, cheap,
		flightrec.WithRouteThreshold("GET /export", 30*time.Second),
		flightrec.WithRouteThreshold("GET /quick", 100*time.Millisecond),
		flightrec.WithRouteThreshold("GET /events", math.MaxInt64),
		flightrec.WithRouteThreshold("GET /default", 0))
	tests := []struct {
		route string
		d     time.Duration
		want  bool
	}{
		{"GET /orders/{id}", 5 * time.Millisecond, false},
		{"GET /orders/{id}", 2 * time.Second, false},
		{"GET /orders/{id}", 2*time.Second + 1, true},
		{"GET /quick", 100 * time.Millisecond, false},
		{"GET /quick", 101 * time.Millisecond, true},
		{"GET /export", 29 * time.Second, false},
		{"GET /export", 31 * time.Second, true},
		{"GET /events", time.Hour, false},
		{"GET /default", 2 * time.Second, false},
		{"GET /default", 3 * time.Second, true},
		{"", 3 * time.Second, true},
	}
	for _, tt := range tests {
		if got := r.Slow(tt.route, tt.d); got != tt.want {
			t.Errorf("Slow(%q, %v) = %v, want %v", tt.route, tt.d, got, tt.want)
		}
	}
	if got := (*flightrec.Recorder)(nil).Slow("GET /quick", time.Hour); got {
		t.Error("a nil recorder's Slow = true, want false")
	}
}

func TestSlowDoesNotAllocate(t *testing.T) {
	r := setup(t, cheap, flightrec.WithRouteThreshold("GET /quick", 100*time.Millisecond))
	for _, d := range []time.Duration{time.Millisecond, 150 * time.Millisecond, 3 * time.Second} {
		for _, route := range []string{"GET /quick", "GET /orders/{id}"} {
			if n := testing.AllocsPerRun(1000, func() { r.Slow(route, d) }); n != 0 {
				t.Errorf("Slow(%q, %v) allocates %v times, want 0", route, d, n)
			}
		}
	}
}

// Shutdown is idempotent, turns the recorder off, frees the runtime's one
// flight recorder for the next Setup, and logs its counters.
func TestShutdown(t *testing.T) {
	logs := &syncBuffer{}
	r, err := flightrec.Setup(context.Background(), cheap, flightrec.WithLogger(newTextLogger(logs)))
	if err != nil {
		t.Fatal(err)
	}
	r.Trigger(flightrec.KindManual, "before")
	for range 2 {
		if err := r.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	if r.Tracing() || r.Slow("", time.Hour) || r.Trigger(flightrec.KindPanic, "after") != nil {
		t.Error("the recorder is still on after Shutdown")
	}
	ctx := context.Background()
	if got, _ := r.StartRequest(ctx, "GET /", "x"); got != ctx {
		t.Error("StartRequest opened a task after Shutdown")
	}
	if diff := cmp.Diff(flightrec.Stats{Snapshots: 1, Dropped: 1}, r.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
	want := `level=INFO msg="flight recorder: on" min_age=10s max_bytes=16777216` + "\n" +
		`level=INFO msg="flight recorder: snapshot taken" kind=manual reason=before`
	if got := logs.String(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("log starts %q, want %q", got, want)
	}
	if want := `level=INFO msg="flight recorder: off" snapshots=1 rate_limited=0 dropped=0` + "\n"; !endsWith(logs.String(), want) {
		t.Errorf("log = %q, want it to end with %q", logs.String(), want)
	}

	next := setup(t, cheap)
	if !next.Tracing() {
		t.Error("a recorder set up after Shutdown does not trace")
	}
	var nilRecorder *flightrec.Recorder
	if err := nilRecorder.Shutdown(context.Background()); err != nil {
		t.Errorf("nil Shutdown: %v", err)
	}
}

// Shutdown waits for a snapshot being taken no longer than its context.
func TestShutdownBoundedByContext(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	r, err := flightrec.Setup(context.Background(), cheap, flightrec.WithCapturing(func() {
		close(entered)
		<-release
	}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *flightrec.Snapshot)
	go func() { done <- r.Trigger(flightrec.KindManual, "slow snapshot") }()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := r.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown during a snapshot = %v, want %v", err, context.DeadlineExceeded)
	}
	close(release)
	if s := <-done; s == nil {
		t.Error("the snapshot under way was lost")
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func endsWith(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// syncBuffer is a log destination written by the recorder's Shutdown
// goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}

// Requests, triggers and Stats run concurrently with Shutdown: no race,
// no snapshot after Shutdown has returned, every trigger accounted for.
func TestConcurrentUseAndShutdown(t *testing.T) {
	r, err := flightrec.Setup(context.Background(), cheap, flightrec.WithRateLimit(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var got sync.Map
	stop := make(chan struct{})
	for g := range 8 {
		wg.Go(func() {
			n, snaps := 0, 0
			for {
				select {
				case <-stop:
					got.Store(g, snaps)
					return
				default:
				}
				ctx, end := r.StartRequest(context.Background(), "GET /orders/{id}", "4bf92f3577b34da6a3ce929d0e0e4736")
				_ = ctx
				if r.Slow("GET /orders/{id}", time.Duration(n)*time.Millisecond) || n%50 == 0 {
					n++
					if r.Trigger(flightrec.Kind(g%5+1), "concurrent") != nil {
						snaps++
					}
				}
				end()
				_ = r.Stats()
				n++
			}
		})
	}
	for r.Stats().Snapshots < 3 { // Shutdown meets snapshots under way
		runtime.Gosched()
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := r.Stats()
	if s := r.Trigger(flightrec.KindManual, "after Shutdown"); s != nil {
		t.Error("a snapshot after Shutdown returned")
	}
	close(stop)
	wg.Wait()
	if final := r.Stats(); final.Snapshots != after.Snapshots {
		t.Errorf("%d snapshots after Shutdown returned", final.Snapshots-after.Snapshots)
	}
	var snaps int
	got.Range(func(_, v any) bool { snaps += v.(int); return true })
	if uint64(snaps) != r.Stats().Snapshots {
		t.Errorf("callers got %d snapshots, Stats counts %d", snaps, r.Stats().Snapshots)
	}
}
