package outbox

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// headerPeek bounds how much of a file Open and Rescan read to check its
// header line.
const headerPeek = 64 << 10

// Rescan reads the directory again: it picks up envelopes that other
// processes wrote (or removed), recomputes the totals, evicts the oldest
// when they exceed MaxBytes, moves the claims of dead owners back to
// pending and quarantines files that could evict real envelopes. Its cost
// grows with the directory; call it at start and now and then (for
// example when a send cycle finds nothing to claim), not per write.
func (o *Outbox) Rescan() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	if o.dirGone() {
		if err := o.recreate(); err != nil {
			return err
		}
	}
	return o.rescanLocked()
}

func (o *Outbox) rescanLocked() error {
	o.recoverStale()
	des, err := o.sys.readDir(o.dir)
	if err != nil {
		return err
	}
	now := time.Now()
	keep := make([]*entry, 0, len(des))
	seen := make(map[string]bool, len(des))
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			if strings.HasPrefix(name, tmpPrefix) && de.Type().IsRegular() {
				if info, err := de.Info(); err == nil && now.Sub(info.ModTime()) > staleTmpAge {
					_ = os.Remove(filepath.Join(o.dir, name))
				}
			}
			continue
		}
		if !de.Type().IsRegular() || !strings.HasSuffix(name, Suffix) {
			continue // crashes/, rejected/, files of others
		}
		info, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if e := o.entries[name]; e != nil && e.state == statePending && e.size == info.Size() {
			keep = append(keep, &entry{name: name, tag: e.tag, size: e.size, written: e.written})
			seen[name] = true
			continue
		}
		if e := o.adopt(name, info); e != nil && !seen[e.name] {
			keep = append(keep, e)
			seen[e.name] = true
		}
	}
	// This Outbox's claims stay in the index, in their place.
	for _, e := range o.entries {
		if e.state == stateClaimed && !seen[e.name] {
			keep = append(keep, &entry{name: e.name, tag: e.tag, size: e.size, state: stateClaimed, written: e.written})
		}
	}
	sortEntries(keep)
	claimed := map[string]*entry{}
	for _, e := range o.entries {
		if e.state == stateClaimed {
			claimed[e.name] = e
		}
	}
	o.entries = make(map[string]*entry, len(keep))
	o.order.Init()
	o.tags = map[string]*tagQueue{}
	o.files, o.bytes = 0, 0
	for _, e := range keep {
		if c := claimed[e.name]; c != nil {
			e = c // live Claims point at it
		}
		o.insert(e)
		if ts, err := strconv.ParseInt(e.name[:20], 10, 64); err == nil && ts > o.lastTS {
			o.lastTS = ts
		}
	}
	for o.bytes > o.opts.MaxBytes && o.evictOldest() {
	}
	o.scanRejected()
	return nil
}

// adopt checks a pending file that is not in the index: too large or with
// a header that does not parse, it is quarantined; with a header whose
// destination does not match its name, too. A well-formed envelope under
// another name (an older outbox wrote "<unixnano>-<event id>.envelope")
// is renamed to the outbox's form. It returns nil for a file not taken.
func (o *Outbox) adopt(name string, info fs.FileInfo) *entry {
	path := filepath.Join(o.dir, name)
	size := info.Size()
	if size > o.opts.MaxEnvelopeBytes {
		o.quarantine(path, name, size, fmt.Sprintf("%d bytes, larger than MaxEnvelopeBytes (%d)", size, o.opts.MaxEnvelopeBytes))
		return nil
	}
	h, err := readHeader(path, size)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		o.quarantine(path, name, size, "header does not parse")
		return nil
	}
	dest, _ := h[DestinationKey].(string)
	tag := destTag(dest)
	if got, ok := parseName(name); ok {
		if got != tag {
			o.quarantine(path, name, size, "the header's destination does not match the file name")
			return nil
		}
		return &entry{name: name, tag: tag, size: size}
	}
	ts := info.ModTime().UnixNano()
	if len(name) >= 20 {
		if n, err := strconv.ParseInt(name[:20], 10, 64); err == nil && n > 0 {
			ts = n
		}
	}
	id, _ := h["event_id"].(string)
	newName := fmt.Sprintf("%020d-%s-%s%s", ts, fileEventID(id), tag, Suffix)
	if _, err := os.Lstat(filepath.Join(o.dir, newName)); err == nil {
		return nil // already there under its new name
	}
	if err := os.Rename(path, filepath.Join(o.dir, newName)); err != nil {
		return nil
	}
	return &entry{name: newName, tag: tag, size: size}
}

// readHeader reads and decodes the header line of an envelope file.
func readHeader(path string, size int64) (map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, min(size+1, headerPeek)) // +1: a file that grew is read to its newline too
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	buf = buf[:n]
	if n == headerPeek && slices.Index(buf, '\n') < 0 {
		return nil, errBadHeader
	}
	return parseHeader(buf)
}

// recoverStale moves the claims of owners whose lock is free (their
// process is gone) back to pending, and removes what dead owners left in
// .owners/.
func (o *Outbox) recoverStale() {
	root := filepath.Join(o.dir, claimedDir)
	lockDir := filepath.Join(o.dir, ownersDir)
	owners, _ := os.ReadDir(root)
	for _, od := range owners {
		owner := od.Name()
		if owner == o.owner || !od.IsDir() || strings.HasPrefix(owner, ".") {
			continue
		}
		release, dead := tryLock(lockPath(lockDir, owner))
		if !dead {
			continue
		}
		dir := filepath.Join(root, owner)
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			name := f.Name()
			if strings.HasPrefix(name, ".") {
				_ = os.Remove(filepath.Join(dir, name)) // a crashed Replace's temporary file
				continue
			}
			if err := os.Rename(filepath.Join(dir, name), filepath.Join(o.dir, name)); err == nil {
				o.stats.Recovered++
			}
		}
		_ = os.Remove(dir)
		release()
	}
	// Lock files of owners that died before they claimed anything, and
	// of owners that died while taking their lock.
	locks, _ := os.ReadDir(lockDir)
	for _, l := range locks {
		name := l.Name()
		if name == o.owner+".lock" || !l.Type().IsRegular() {
			continue
		}
		if strings.HasPrefix(name, ".") {
			if info, err := l.Info(); err != nil || time.Since(info.ModTime()) < staleTmpAge {
				continue // maybe an owner taking its lock right now
			}
		}
		if release, dead := tryLock(filepath.Join(lockDir, name)); dead {
			release()
		}
	}
}

// scanRejected rebuilds the index of rejected/ and enforces its bound.
func (o *Outbox) scanRejected() {
	dir := filepath.Join(o.dir, rejectedDir)
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		rejectedFile
		mod time.Time
	}
	var files []file
	reasons := map[string]int64{}
	for _, de := range des {
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		if base, ok := strings.CutSuffix(de.Name(), reasonExt); ok {
			reasons[base] = info.Size()
			continue
		}
		files = append(files, file{rejectedFile{de.Name(), info.Size()}, info.ModTime()})
	}
	slices.SortStableFunc(files, func(a, b file) int { return a.mod.Compare(b.mod) })
	o.rejected, o.rejBytes = o.rejected[:0], 0
	for _, f := range files {
		f.size += reasons[f.name]
		o.rejected = append(o.rejected, f.rejectedFile)
		o.rejBytes += f.size
	}
	for len(o.rejected) > 0 && o.rejBytes > o.opts.RejectedMaxBytes {
		old := o.rejected[0]
		o.rejected = o.rejected[1:]
		o.rejBytes -= old.size
		_ = os.Remove(filepath.Join(dir, old.name))
		_ = os.Remove(filepath.Join(dir, old.name+reasonExt))
	}
}
