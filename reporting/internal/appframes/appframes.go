package appframes

import (
	"runtime/debug"
	"strings"
)

// ownModule is supportkit's module path: its frames are never in-app.
const ownModule = "github.com/supportkit/supportkit"

// Rule says which functions are the application's own. The zero Rule knows
// only package main.
type Rule struct {
	main     string   // the main module's path, "" when unknown
	prefixes []string // configured package prefixes, in-app whatever else says
}

// New returns the rule for this binary: its main module, read from the
// build information, and prefixes, package paths (or path prefixes, as
// "example.com/shared") whose packages are in-app too.
func New(prefixes ...string) Rule {
	r := Rule{prefixes: clean(prefixes)}
	if info, ok := debug.ReadBuildInfo(); ok {
		r.main = info.Main.Path
	}
	return r
}

// WithMain returns r with main as the main module's path, for tests and
// for readers of another binary's crash output.
func (r Rule) WithMain(main string) Rule {
	r.main = main
	return r
}

func clean(prefixes []string) []string {
	var out []string
	for _, p := range prefixes {
		if p = strings.TrimSuffix(strings.TrimSpace(p), "/"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Package returns the import path of a qualified Go function name:
// "net/http.(*conn).serve" is in "net/http", "main.main.func1" in "main",
// "github.com/a/b.(*T).M" in "github.com/a/b". The linker escapes dots in
// the last path element ("gopkg.in/yaml%2ev3.F"), so the package ends at
// the first dot after the last slash.
func Package(function string) string {
	slash := strings.LastIndexByte(function, '/')
	dot := strings.IndexByte(function[slash+1:], '.')
	if dot < 0 {
		return function
	}
	return function[:slash+1+dot]
}

// InApp reports whether function, a qualified Go function name, is the
// application's own.
func (r Rule) InApp(function string) bool {
	pkg := Package(function)
	switch {
	case pkg == "main":
		return true
	case within(pkg, r.prefixes...):
		return true
	case stdlib(pkg):
		return false
	case within(pkg, ownModule):
		return false
	case r.main != "" && within(pkg, r.main):
		return true
	}
	return false
}

// within reports whether pkg is one of roots or below one of them.
func within(pkg string, roots ...string) bool {
	for _, root := range roots {
		if pkg == root || strings.HasPrefix(pkg, root+"/") {
			return true
		}
	}
	return false
}

// stdlib reports whether pkg belongs to the standard library (or the
// runtime's vendored packages): its first path element has no dot.
func stdlib(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}
