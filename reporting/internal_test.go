package reporting

import (
	"net/http"
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

func TestRateLimitHeaders(t *testing.T) {
	now := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		name, limits, retry string
		want                time.Duration
	}{
		{"all categories", "60::organization", "", 60 * time.Second},
		{"error category", "30:error;transaction:key", "", 30 * time.Second},
		{"other categories only", "120:transaction;session:key", "", 0},
		{"longest applies", "10:error:key, 90:default:org, 500:transaction:org", "", 90 * time.Second},
		{"garbage", "x:y, :error", "", 0},
		{"retry-after seconds", "", "7", 7 * time.Second},
		{"retry-after date", "", now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
		{"retry-after missing", "", "", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rateLimit(tt.limits, now)
			if tt.limits == "" {
				got = retryAfter(tt.retry, now)
			}
			if got != tt.want {
				t.Errorf("wait = %v, want %v", got, tt.want)
			}
		})
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
