package health

import (
	"runtime/debug"
	"strings"

	"github.com/supportkit/supportkit/internal/buildinfo"
)

// Service identifies the service at the top of the health+json document
// (the draft's serviceId, version, releaseId and description), so that
// whoever reads a probe's answer knows which build answered.
type Service struct {
	// ID identifies the service: "github.com/acme/shop" or "shop".
	ID string
	// Version is the public version of the service's interface: "1".
	Version string
	// ReleaseID is the version of this build: "1.4.2" or a commit.
	ReleaseID string
	// Description is for humans: "shop: orders and payments".
	Description string
}

// WithService sets what the health+json document says of the service
// (default: [ServiceFromBuild]). WithService(health.Service{}) shows
// nothing: every caller that can reach a probe reads these fields.
func WithService(s Service) Option {
	return func(o *options) { o.service = s }
}

// ServiceFromBuild reads the binary's build information: ID is the main
// module's path; ReleaseID its version without the "v" (1.4.2) or, for a
// development build, the VCS revision's first 12 digits, with "-dirty"
// when the tree was modified; Version the major version of ReleaseID
// ("1"). Fields that the build information does not give are empty.
func ServiceFromBuild() Service {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Service{}
	}
	return serviceFrom(bi)
}

func serviceFrom(bi *debug.BuildInfo) Service {
	s := Service{ID: bi.Main.Path, ReleaseID: strings.TrimPrefix(buildinfo.Version(bi), "v")}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		if major, _, ok := strings.Cut(s.ReleaseID, "."); ok {
			s.Version = major
		}
	}
	return s
}
