package health

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestServiceFrom(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}
	dirty := debug.BuildSetting{Key: "vcs.modified", Value: "true"}
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want Service
	}{
		{"released", debug.BuildInfo{Main: debug.Module{Path: "example.com/shop", Version: "v2.3.4"}, Settings: []debug.BuildSetting{rev}},
			Service{ID: "example.com/shop", Version: "2", ReleaseID: "2.3.4"}},
		{"development build", debug.BuildInfo{Main: debug.Module{Path: "example.com/shop", Version: "(devel)"}, Settings: []debug.BuildSetting{rev}},
			Service{ID: "example.com/shop", ReleaseID: "0123456789ab"}},
		{"modified tree", debug.BuildInfo{Main: debug.Module{Path: "example.com/shop", Version: "(devel)"}, Settings: []debug.BuildSetting{rev, dirty}},
			Service{ID: "example.com/shop", ReleaseID: "0123456789ab-dirty"}},
		{"nothing known", debug.BuildInfo{}, Service{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, serviceFrom(&tt.bi)); diff != "" {
				t.Errorf("serviceFrom mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
