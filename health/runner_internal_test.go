package health

import (
	"testing"
	"time"
)

func TestJitter(t *testing.T) {
	tests := []struct {
		fraction float64
		lo, hi   time.Duration
	}{
		{0, time.Second, time.Second},
		{0.1, 900 * time.Millisecond, 1100 * time.Millisecond},
		{2, 500 * time.Millisecond, 1500 * time.Millisecond}, // clamped to 0.5
	}
	for _, tt := range tests {
		r := New(WithJitter(tt.fraction))
		seen := map[time.Duration]bool{}
		for range 1000 {
			d := r.jittered(time.Second)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("jitter %v: interval %v outside [%v, %v]", tt.fraction, d, tt.lo, tt.hi)
			}
			seen[d] = true
		}
		if tt.fraction > 0 && len(seen) < 100 {
			t.Errorf("jitter %v: only %d distinct intervals in 1000", tt.fraction, len(seen))
		}
	}
}
