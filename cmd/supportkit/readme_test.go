package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADME: the output quoted in the README's walkthrough is the
// command's real output: every line of its output blocks is a line of a
// golden file.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	goldens := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			goldens[strings.TrimRight(line, "\n")] = true
		}
	}
	const heading = "## From a reference ID to an incident report"
	_, section, found := strings.Cut(string(readme), "\n"+heading+"\n")
	if !found {
		t.Fatalf("README has no section %q", heading)
	}
	fence, checked := "", 0
	for line := range strings.Lines(section) {
		line = strings.TrimRight(line, "\n")
		switch {
		case fence == "" && strings.HasPrefix(line, "```"):
			fence = line
		case fence != "" && line == "```":
			fence = ""
		case fence == "" && strings.HasPrefix(line, "## "):
			if checked < 20 {
				t.Errorf("only %d lines of output checked: the section's blocks were not found", checked)
			}
			return
		case fence == "```" || fence == "```markdown":
			if line == "" || line == "..." || strings.HasPrefix(line, "$ ") {
				continue
			}
			checked++
			if !goldens[line] {
				t.Errorf("README shows a line the command does not print:\n%s", line)
			}
		}
	}
}
