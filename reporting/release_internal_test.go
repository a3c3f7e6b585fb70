package reporting

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildRelease(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go install of a version: last path element, no slash",
			debug.BuildInfo{Main: debug.Module{Path: "example.com/x", Version: "v1.4.0"}}, "x@v1.4.0"},
		{"version wins over revision",
			debug.BuildInfo{Main: debug.Module{Path: "example.com/tools/svc", Version: "v0.2.0"}, Settings: vcs(rev, "false")}, "svc@v0.2.0"},
		{"devel build: short revision",
			debug.BuildInfo{Main: debug.Module{Path: "example.com/svc", Version: "(devel)"}, Settings: vcs(rev, "false")}, "svc@0123456789ab"},
		{"modified tree: dirty",
			debug.BuildInfo{Main: debug.Module{Path: "example.com/svc", Version: "(devel)"}, Settings: vcs(rev, "true")}, "svc@0123456789ab-dirty"},
		{"pseudo-version is a version",
			debug.BuildInfo{Main: debug.Module{Path: "svc", Version: "v0.0.0-20260101000000-0123456789ab"}}, "svc@v0.0.0-20260101000000-0123456789ab"},
		{"neither version nor revision: omitted, never unknown",
			debug.BuildInfo{Main: debug.Module{Path: "example.com/svc", Version: "(devel)"}}, ""},
		{"no main module: omitted",
			debug.BuildInfo{Settings: vcs(rev, "false")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, buildRelease(&tt.info)); diff != "" {
				t.Errorf("release mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
