package reporting

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Outbox is a directory of Sentry envelopes waiting to be delivered, one
// file per event, named so that names sort oldest first:
//
//	<dir>/01763960400123456789-9ec79c33ec9942ab8353589fcb2e04dc.envelope
//
// Its total size is bounded: writing an envelope evicts the oldest files
// until the new one fits. Files are written to a temporary name and
// renamed, so that a reader (or a crash) never sees half an envelope; any
// process may write into the same directory, and [Outbox.Replay] reads
// whatever is there. It is safe for concurrent use.
type Outbox struct {
	dir      string
	maxBytes int64

	mu      sync.Mutex
	written int64 // files written by this process
	evicted int64 // files removed to make room
}

// OutboxSuffix is the file name suffix of outbox envelopes.
const OutboxSuffix = ".envelope"

// OpenOutbox creates dir if needed and checks that a file can be written in
// it. maxBytes bounds the total size of the envelopes it keeps.
func OpenOutbox(dir string, maxBytes int64) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("reporting: outbox directory is empty")
	}
	if maxBytes <= 0 {
		return nil, fmt.Errorf("reporting: outbox size bound %d is not positive", maxBytes)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("reporting: outbox directory %s cannot be created: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("reporting: outbox directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	return &Outbox{dir: dir, maxBytes: maxBytes}, nil
}

// Dir returns the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

// OutboxEntry is one envelope file in the outbox.
type OutboxEntry struct {
	Name string // base name
	Size int64
}

// List returns the envelopes in the outbox, oldest first.
func (o *Outbox) List() ([]OutboxEntry, error) {
	des, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, err
	}
	var out []OutboxEntry
	for _, de := range des {
		n := de.Name()
		if !de.Type().IsRegular() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, OutboxSuffix) {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, OutboxEntry{Name: n, Size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Write stores one envelope, evicting the oldest envelopes until the total
// fits the bound, and returns the file's name. An envelope larger than the
// bound is refused.
func (o *Outbox) Write(eventID string, envelope []byte) (string, error) {
	size := int64(len(envelope))
	if size > o.maxBytes {
		return "", fmt.Errorf("reporting: envelope of %d bytes exceeds the outbox bound of %d", size, o.maxBytes)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	entries, err := o.List()
	if err != nil {
		return "", err
	}
	var total int64
	for _, e := range entries {
		total += e.Size
	}
	for i := 0; total+size > o.maxBytes && i < len(entries); i++ {
		if os.Remove(filepath.Join(o.dir, entries[i].Name)) == nil {
			o.evicted++
		}
		total -= entries[i].Size
	}
	if eventID == "" {
		eventID = "event"
	}
	name := fmt.Sprintf("%020d-%s%s", time.Now().UnixNano(), filepath.Base(eventID), OutboxSuffix)
	f, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(envelope)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(o.dir, name))
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	o.written++
	return name, nil
}

// Replay calls send for each envelope in the outbox, oldest first, and
// removes the file when send returns nil. It stops at the first error
// (the receiver is likely still unavailable) and returns how many were
// sent and that error. An unreadable file is removed and skipped.
func (o *Outbox) Replay(send func(name string, envelope []byte) error) (int, error) {
	entries, err := o.List()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		path := filepath.Join(o.dir, e.Name)
		data, err := os.ReadFile(path)
		if err != nil {
			continue // taken by another process
		}
		if err := send(e.Name, data); err != nil {
			return n, err
		}
		_ = os.Remove(path)
		n++
	}
	return n, nil
}

// OutboxStats counts what an [Outbox] did in this process.
type OutboxStats struct {
	Written, Evicted int64 // envelopes written, and removed to make room
}

// Stats returns the outbox's counters.
func (o *Outbox) Stats() OutboxStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return OutboxStats{Written: o.written, Evicted: o.evicted}
}
