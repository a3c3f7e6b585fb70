package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// State says where in an outbox an envelope file is.
type State string

// The states of [Found].
const (
	Pending  State = "pending"  // waiting to be sent (or kept, when local)
	Claimed  State = "claimed"  // claimed by a sender, live or dead
	Rejected State = "rejected" // refused by Sentry or quarantined
)

// Found is one envelope file found by [List]. Nothing in it has been
// read from the file: it comes from the file's name and place.
type Found struct {
	Path    string    // the file's path
	Name    string    // its base name
	State   State     // where it is
	Written time.Time // when it was written: from its name, else its mtime
	EventID string    // from its name; "" for a name the outbox did not write
	Size    int64
}

// Listing is what [List] found in an outbox directory.
type Listing struct {
	// Envelopes are the ".envelope" files, pending, claimed and
	// rejected, oldest first.
	Envelopes []Found
	// Other are the regular files that are not the outbox's own (not
	// envelopes, not rejection reasons, not hidden, not in crashes/),
	// by their path relative to the directory: files someone else put
	// there.
	Other []string
}

// List returns the envelope files in dir without changing anything: it
// neither claims, renames, quarantines nor creates a file or directory,
// so it works on a directory it may not write (a copy taken from a
// server, another user's outbox) and beside a live sender. It is what
// readers use, such as the supportkit command; a sender uses [Open].
//
// The error is about dir itself (missing, not a directory, unreadable);
// an unreadable subdirectory is skipped.
func List(dir string) (*Listing, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, &fs.PathError{Op: "list", Path: dir, Err: errors.New("not a directory")}
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	l := &Listing{}
	l.scan(dir, "", des, Pending)
	if owners, err := os.ReadDir(filepath.Join(dir, claimedDir)); err == nil {
		for _, o := range owners {
			if !o.IsDir() {
				continue
			}
			rel := filepath.Join(claimedDir, o.Name())
			if files, err := os.ReadDir(filepath.Join(dir, rel)); err == nil {
				l.scan(dir, rel, files, Claimed)
			}
		}
	}
	if files, err := os.ReadDir(filepath.Join(dir, rejectedDir)); err == nil {
		l.scan(dir, rejectedDir, files, Rejected)
	}
	slices.SortStableFunc(l.Envelopes, func(a, b Found) int {
		if c := a.Written.Compare(b.Written); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	slices.Sort(l.Other)
	return l, nil
}

func (l *Listing) scan(dir, rel string, des []fs.DirEntry, st State) {
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") || !de.Type().IsRegular() {
			continue // the outbox's own (.claimed, .owners, temporary files) and crashes/, rejected/
		}
		if st == Rejected && strings.HasSuffix(name, reasonExt) {
			continue
		}
		if !strings.HasSuffix(name, Suffix) {
			l.Other = append(l.Other, filepath.Join(rel, name))
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		f := Found{Path: filepath.Join(dir, rel, name), Name: name, State: st, Written: info.ModTime(), Size: info.Size()}
		if ts, id, ok := splitName(name); ok {
			f.Written, f.EventID = time.Unix(0, ts), id
		}
		l.Envelopes = append(l.Envelopes, f)
	}
}

// splitName reads the time and event ID of a name the outbox wrote.
func splitName(name string) (ts int64, eventID string, ok bool) {
	if _, ok := parseName(name); !ok {
		return 0, "", false
	}
	ts, err := strconv.ParseInt(name[:20], 10, 64)
	if err != nil {
		return 0, "", false
	}
	base := strings.TrimSuffix(name, Suffix)
	return ts, base[21:strings.LastIndexByte(base, '-')], true
}

// maxReadBytes bounds what ReadFound reads: an event with its
// attachments may be as large as Sentry takes attachments (100 MiB).
const maxReadBytes = 128 << 20

// ReadFound reads the envelope file f (at most 128 MiB, room for an
// event with its attachments) and parses it; it changes nothing.
func ReadFound(f Found) (*Envelope, error) {
	data, err := readAtMost(f.Path, maxReadBytes)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Reason returns the reason recorded beside a rejected envelope, or "".
func (f Found) Reason() string {
	if f.State != Rejected {
		return ""
	}
	data, err := readAtMost(f.Path+reasonExt, maxReasonBytes)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// Lookup reads the envelope of the event eventID from the outbox in dir,
// wherever it is (pending, claimed or rejected), without changing
// anything. It fails naming the event and the directory when no envelope
// of that event is there.
func Lookup(dir, eventID string) (*Envelope, error) {
	if eventID == "" {
		return nil, errors.New("outbox: no event ID to look up")
	}
	l, err := List(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range l.Envelopes {
		if f.EventID == eventID {
			return ReadFound(f)
		}
	}
	return nil, fmt.Errorf("outbox: event %s is not in %s", eventID, dir)
}
