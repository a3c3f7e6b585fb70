package outbox

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Written returns the envelopes in dir, waiting or claimed by a sender,
// whose file names say they were written between from and to, newest
// first, at most max of them; an unreadable file, or one over
// DefaultMaxEnvelopeBytes, is left out. It only reads, and needs no
// Outbox: it is for readers beside one, such as the crash monitor looking
// for the event an application wrote moments before it crashed.
func Written(dir string, from, to time.Time, max int) [][]byte {
	dirs := []string{dir}
	if owners, err := os.ReadDir(filepath.Join(dir, claimedDir)); err == nil {
		for _, o := range owners {
			if o.IsDir() {
				dirs = append(dirs, filepath.Join(dir, claimedDir, o.Name()))
			}
		}
	}
	lo, hi := from.UnixNano(), to.UnixNano()
	var paths []string
	for _, d := range dirs {
		des, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, de := range des {
			name := de.Name()
			if !strings.HasSuffix(name, Suffix) || len(name) < 21 || name[20] != '-' || !de.Type().IsRegular() {
				continue
			}
			ts, err := strconv.ParseInt(name[:20], 10, 64)
			if err != nil || ts < lo || ts > hi {
				continue
			}
			paths = append(paths, filepath.Join(d, name))
		}
	}
	sort.Slice(paths, func(i, j int) bool { return filepath.Base(paths[i]) > filepath.Base(paths[j]) })
	var out [][]byte
	for _, p := range paths {
		if len(out) == max {
			break
		}
		if data, err := readAtMost(p, DefaultMaxEnvelopeBytes); err == nil {
			out = append(out, data)
		}
	}
	return out
}
