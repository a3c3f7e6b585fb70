package supportkit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snippetMarker precedes every Go block of the README: it names the file,
// compiled and run by the tests, that holds the block's lines.
const snippetMarker = "<!-- snippet: "

// TestReadmeSnippets: every Go block of the README is marked with the file
// it comes from, and its lines are in that file in the same order, word
// for word (indentation aside): the README shows code that compiles and
// that a test runs.
func TestReadmeSnippets(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	blocks := 0
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```go" {
			continue
		}
		blocks++
		start := i + 1
		end := start
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		block := lines[start:end]
		i = end
		prev := start - 2
		for prev >= 0 && strings.TrimSpace(lines[prev]) == "" {
			prev--
		}
		if prev < 0 || !strings.HasPrefix(strings.TrimSpace(lines[prev]), snippetMarker) {
			t.Errorf("README.md:%d: the Go block has no %q line before it", start, snippetMarker+"FILE -->")
			continue
		}
		file := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[prev]), snippetMarker), " -->")
		src, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil {
			t.Errorf("README.md:%d: %v", start, err)
			continue
		}
		if !strings.HasSuffix(file, ".go") {
			t.Errorf("README.md:%d: %s is not a Go file", start, file)
		}
		if !containsLines(normalize(strings.Split(string(src), "\n")), normalize(block)) {
			t.Errorf("README.md:%d: the block's lines are not in %s, in order:\n%s", start, file, strings.Join(block, "\n"))
		}
	}
	if blocks == 0 {
		t.Fatal("no Go block found in README.md")
	}
}

// normalize trims each line and drops the empty ones.
func normalize(lines []string) []string {
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// containsLines reports whether want appears in have as a contiguous run.
func containsLines(have, want []string) bool {
	for i := 0; i+len(want) <= len(have); i++ {
		ok := true
		for j := range want {
			if have[i+j] != want[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
