package reporting

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStormBucket(t *testing.T) {
	s := newStorm(1, 3) // 3 at once, then 1 a second
	now := time.Duration(0)
	s.clock = func() time.Duration { return now }
	key := stormKey{"internal", 1}
	type step struct {
		OK         bool
		Suppressed int64
	}
	var got []step
	take := func() {
		ok, n := s.take(key)
		got = append(got, step{ok, n})
	}
	for range 5 { // burst of 3, then 2 suppressed
		take()
	}
	now += 1500 * time.Millisecond // one token back
	take()                         // carries the 2 suppressed
	take()                         // suppressed again
	other, _ := s.take(stormKey{"internal", 2})
	want := []step{{true, 0}, {true, 0}, {true, 0}, {false, 0}, {false, 0}, {true, 2}, {false, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("storm steps mismatch (-want +got):\n%s", diff)
	}
	if !other || s.suppressedTotal() != 3 {
		t.Errorf("other fingerprint allowed = %v, suppressed total = %d; want true, 3", other, s.suppressedTotal())
	}
}

func TestStormBounded(t *testing.T) {
	s := newStorm(0, 1)
	for i := range maxBuckets * 3 {
		s.take(stormKey{"x", uintptr(i)})
	}
	if n := len(s.buckets); n > maxBuckets {
		t.Errorf("storm holds %d buckets, want at most %d", n, maxBuckets)
	}
}

func TestQueueDropsOldest(t *testing.T) {
	q := newQueue(3)
	for i := range 5 {
		q.push(item{job: &job{id: string(rune('a' + i))}})
	}
	var got []string
	for {
		it, ok := q.pop()
		if !ok {
			break
		}
		got = append(got, it.job.id)
	}
	if diff := cmp.Diff([]string{"c", "d", "e"}, got); diff != "" || q.droppedTotal() != 2 {
		t.Errorf("dropped %d; order mismatch (-want +got):\n%s", q.droppedTotal(), diff)
	}
}

func TestPanicStackStartsAtPanicSite(t *testing.T) {
	var got []uintptr
	func() {
		defer func() {
			_ = recover()
			var pcs [64]uintptr
			n := runtimeCallers(pcs[:])
			got = panicStack(pcs[:n])
		}()
		panicHere()
	}()
	st := stacktrace(got)
	top := st.Frames[len(st.Frames)-1]
	if top.Function != "panicHere" {
		t.Errorf("innermost frame = %s, want panicHere", top.Function)
	}
}

//go:noinline
func panicHere() { panic("here") }
