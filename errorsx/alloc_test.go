//go:build !race

// The race detector allocates on its own, so allocation counts are only
// checked without it. The figures against peers are in bench/.

package errorsx_test

import (
	"errors"
	"testing"

	"github.com/supportkit/supportkit/errorsx"
)

var errNotInChain = errors.New("not in chain")

func TestAllocations(t *testing.T) {
	root := errorsx.New("root")
	deep := errorsx.Wrap(errorsx.Wrap(errorsx.Wrap(root, "a"), "b"), "c")
	var sink error
	tests := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"New with stack", 1, func() { sink = errorsx.New("boom") }},
		{"Code.New with stack", 1, func() { sink = errorsx.NotFound.New("boom") }},
		{"Wrap an errorsx error", 1, func() { sink = errorsx.Wrap(root, "ctx") }},
		{"errors.Is miss, 3 wraps deep", 0, func() { _ = errors.Is(deep, errNotInChain) }},
		{"errors.Is code miss, 3 wraps deep", 0, func() { _ = errors.Is(deep, errorsx.Unavailable) }},
		{"CodeOf", 0, func() { _ = errorsx.CodeOf(deep) }},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(100, tt.fn); got > tt.max {
			t.Errorf("%s: %v allocations, want at most %v", tt.name, got, tt.max)
		}
	}
	_ = sink
}
