// Package buildinfo reads what a binary's build information says about its
// version, one rule for every package that names a build (reporting's
// release, health's releaseId), so that the two never disagree.
package buildinfo
