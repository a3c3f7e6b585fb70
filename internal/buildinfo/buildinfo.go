package buildinfo

import "runtime/debug"

// Version returns the main module's version ("v1.4.0") when the build has
// one, else the first 12 digits of the VCS revision, with "-dirty" when
// the tree was modified, else "".
func Version(bi *debug.BuildInfo) string {
	if bi == nil {
		return ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if revision != "" && modified {
		revision += "-dirty"
	}
	return revision
}
