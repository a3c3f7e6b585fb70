package buildinfo_test

import (
	"fmt"
	"runtime/debug"

	"github.com/supportkit/supportkit/internal/buildinfo"
)

// A development build of a modified tree names its revision.
func ExampleVersion() {
	bi := &debug.BuildInfo{
		Main: debug.Module{Path: "example.com/shop", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "9ec79c33ec9942ab8353589fcb2e04dc00000000"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	fmt.Println(buildinfo.Version(bi))
	// Output: 9ec79c33ec99-dirty
}
