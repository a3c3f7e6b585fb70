package main

import (
	_ "embed"
	"strings"
)

//go:embed doc.go
var docSource string

// usage is the package documentation of doc.go, as text: -h prints
// what go doc shows, from one source.
var usage = func() string {
	var b strings.Builder
	for line := range strings.Lines(docSource) {
		if strings.HasPrefix(line, "package ") {
			break
		}
		line = strings.TrimPrefix(line, "//")
		line = strings.TrimPrefix(line, " ")
		line = strings.Replace(line, "\t", "  ", 1)
		b.WriteString(line)
	}
	return b.String()
}()
