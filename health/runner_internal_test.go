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
		{0, 900 * time.Millisecond, 1100 * time.Millisecond}, // the default, 0.1
		{0.1, 900 * time.Millisecond, 1100 * time.Millisecond},
		{0.5, 500 * time.Millisecond, 1500 * time.Millisecond},
		{0.99, 10 * time.Millisecond, 1990 * time.Millisecond},
	}
	for _, tt := range tests {
		o := defaultOptions()
		WithJitter(tt.fraction)(&o)
		if len(o.errs) > 0 {
			t.Fatalf("jitter %v: %v", tt.fraction, o.errs)
		}
		r := &Registry{opts: o}
		seen := map[time.Duration]bool{}
		for range 1000 {
			d := r.jittered(time.Second)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("jitter %v: interval %v outside [%v, %v]", tt.fraction, d, tt.lo, tt.hi)
			}
			seen[d] = true
		}
		if len(seen) < 100 {
			t.Errorf("jitter %v: only %d distinct intervals in 1000", tt.fraction, len(seen))
		}
	}
}
