package main

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

	"github.com/supportkit/supportkit/reporting/outbox"
)

// record is one event read from an outbox, with where it was found.
type record struct {
	file        outbox.Found
	rel         string // the file's path relative to the outbox
	dest        string // the project it was captured for; "" for local
	ev          *event
	raw         []byte // the event item's payload, as stored
	attachments []attachment
}

// attachment is an attachment item of an envelope.
type attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type,omitempty"`
	Type        string `json:"attachment_type,omitempty"`
	Size        int    `json:"size"`
	data        []byte
}

// skipped is a file that was not read as an event, and why.
type skipped struct {
	Path string `json:"path"` // relative to the outbox
	Why  string `json:"why"`
}

// store is what was read from one outbox directory.
type store struct {
	dir     string
	records []*record  // oldest first
	skipped []skipped  // foreign and corrupt files
	crashes []rawCrash // raw crash output not reported yet, oldest first
}

// rawCrash is the output of a crash that the crash monitor kept in
// crashes/ and has not reported yet (the monitor died too, or has not
// restarted since): package crash names these files
// <unix nanoseconds>-<pid>-<event id>.crash and reports them at its next
// start. An empty file is a running application's, and is not one.
type rawCrash struct {
	Path      string    `json:"path"` // relative to the outbox
	Time      time.Time `json:"time"`
	EventID   string    `json:"event_id"` // the ID it will be reported under
	FirstLine string    `json:"first_line"`
	Size      int64     `json:"size"`
}

// rawCrashPeek bounds what is read of a raw crash file.
const rawCrashPeek = 4 << 10

// loadCrashes finds the raw crash files of dir that no event reports.
func (s *store) loadCrashes() {
	reported := map[string]bool{}
	for _, r := range s.records {
		reported[r.ev.EventID] = true
	}
	des, err := os.ReadDir(filepath.Join(s.dir, "crashes"))
	if err != nil {
		return
	}
	for _, de := range des {
		base, ok := strings.CutSuffix(de.Name(), ".crash")
		parts := strings.Split(base, "-")
		if !ok || !de.Type().IsRegular() || len(parts) != 3 {
			continue
		}
		ns, err := strconv.ParseInt(parts[0], 10, 64)
		id := normalizeID(parts[2])
		if err != nil || reported[id] {
			continue
		}
		info, err := de.Info()
		if err != nil || info.Size() == 0 {
			continue
		}
		c := rawCrash{Path: filepath.Join("crashes", de.Name()), Time: time.Unix(0, ns).UTC(), EventID: id, Size: info.Size()}
		if f, err := os.Open(filepath.Join(s.dir, c.Path)); err == nil {
			buf := make([]byte, rawCrashPeek)
			n, _ := io.ReadFull(f, buf)
			f.Close()
			for line := range strings.Lines(string(buf[:n])) {
				if line = strings.TrimSpace(line); line != "" {
					c.FirstLine = line
					break
				}
			}
		}
		s.crashes = append(s.crashes, c)
	}
	slices.SortFunc(s.crashes, func(a, b rawCrash) int { return a.Time.Compare(b.Time) })
}

// selectedCrashes returns the raw crashes in w's time window; none when w
// selects a route or a release, which a raw crash does not say.
func (s *store) selectedCrashes(w window) []rawCrash {
	var out []rawCrash
	if w.route != "" || w.release != "" {
		return nil
	}
	for _, c := range s.crashes {
		if (w.since.IsZero() || !c.Time.Before(w.since)) && (w.until.IsZero() || !c.Time.After(w.until)) {
			out = append(out, c)
		}
	}
	return out
}

// load reads every envelope of dir. It changes nothing in dir.
func load(dir string) (*store, error) {
	l, err := outbox.List(dir)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("outbox %s does not exist (name another with -outbox DIR or -service NAME)", dir)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("outbox %s cannot be read: permission denied (run as its owner, or copy it)", dir)
		default:
			return nil, fmt.Errorf("outbox %s cannot be read: %v", dir, err)
		}
	}
	s := &store{dir: dir}
	for _, o := range l.Other {
		s.skipped = append(s.skipped, skipped{o, "not an envelope"})
	}
	seen := map[string]bool{}
	for _, f := range l.Envelopes {
		// A live sender renames files between pending and its claim
		// while the directory is read: one file may be listed twice.
		if seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		rel, err := filepath.Rel(dir, f.Path)
		if err != nil {
			rel = f.Name
		}
		r, why := readRecord(f)
		if r == nil {
			s.skipped = append(s.skipped, skipped{rel, why})
			continue
		}
		r.rel = rel
		s.records = append(s.records, r)
	}
	slices.SortStableFunc(s.records, func(a, b *record) int {
		if c := a.ev.time.Compare(b.ev.time); c != 0 {
			return c
		}
		return strings.Compare(a.ev.EventID, b.ev.EventID)
	})
	slices.SortFunc(s.skipped, func(a, b skipped) int { return strings.Compare(a.Path, b.Path) })
	s.loadCrashes()
	return s, nil
}

// readRecord reads one envelope file; nil and the reason when it holds no
// readable event.
func readRecord(f outbox.Found) (*record, string) {
	env, err := outbox.ReadFound(f)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrPermission):
			return nil, "cannot be read: permission denied"
		case errors.Is(err, fs.ErrNotExist):
			return nil, "removed while reading"
		}
		return nil, "corrupt: " + strings.TrimPrefix(err.Error(), "outbox: ")
	}
	return recordOf(env, f)
}

// recordOf makes a record of a parsed envelope.
func recordOf(env *outbox.Envelope, f outbox.Found) (*record, string) {
	r := &record{file: f, dest: env.Destination()}
	for _, it := range env.Items {
		switch it.Header["type"] {
		case "event":
			if r.ev != nil {
				continue // one event per envelope, as Sentry reads it
			}
			ev, err := decodeEvent(it.Payload)
			if err != nil {
				return nil, "corrupt: " + err.Error()
			}
			r.ev, r.raw = ev, it.Payload
		case "attachment":
			a := attachment{Size: len(it.Payload), data: it.Payload}
			a.Name, _ = it.Header["filename"].(string)
			a.ContentType, _ = it.Header["content_type"].(string)
			a.Type, _ = it.Header["attachment_type"].(string)
			if a.Name == "" {
				a.Name = fmt.Sprintf("attachment-%d", len(r.attachments)+1)
			}
			r.attachments = append(r.attachments, a)
		}
	}
	if r.ev == nil {
		return nil, "corrupt: holds no event"
	}
	if r.ev.EventID == "" {
		r.ev.EventID = normalizeID(env.EventID())
	}
	if r.ev.EventID == "" {
		r.ev.EventID = f.EventID
	}
	if r.ev.time.IsZero() {
		r.ev.time = f.Written.UTC()
	}
	return r, ""
}

// window selects events by time, level, route and release.
type window struct {
	since, until time.Time // zero: unbounded
	minLevel     int       // levelRank; 0: every level
	levelName    string    // as asked
	route        string
	release      string
}

// levelRank orders Sentry's levels; an unknown level ranks as error, as
// Sentry reads it.
func levelRank(l string) int {
	switch strings.ToLower(l) {
	case "debug":
		return 1
	case "info":
		return 2
	case "warning", "warn":
		return 3
	case "fatal":
		return 5
	default:
		return 4
	}
}

func (w window) match(ev *event) bool {
	if !w.since.IsZero() && ev.time.Before(w.since) {
		return false
	}
	if !w.until.IsZero() && ev.time.After(w.until) {
		return false
	}
	if w.minLevel > 0 && levelRank(ev.Level) < w.minLevel {
		return false
	}
	if w.route != "" && !routeMatches(w.route, ev.route()) {
		return false
	}
	if w.release != "" && ev.Release != w.release {
		return false
	}
	return true
}

// routeMatches accepts the route in full ("GET /orders/{id}") or its path
// alone ("/orders/{id}").
func routeMatches(want, route string) bool {
	if want == route {
		return true
	}
	_, path, ok := strings.Cut(route, " ")
	return ok && want == path
}

// selected returns the records in w, oldest first.
func (s *store) selected(w window) []*record {
	var out []*record
	for _, r := range s.records {
		if w.match(r.ev) {
			out = append(out, r)
		}
	}
	return out
}
