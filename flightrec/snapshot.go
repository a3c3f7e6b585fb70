package flightrec

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"
)

// Content types of the attachments. Sentry renders text/plain in its UI and
// offers the others for download; application/octet-stream is what it
// assumes for an attachment without a type.
const (
	ContentTypeText   = "text/plain"
	ContentTypeBinary = "application/octet-stream"
)

// Attachment is one file of a snapshot, in the shape of a Sentry
// attachment (sentry.Attachment's Filename, ContentType, Payload).
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Snapshot is what a trigger captured: the files a support engineer opens
// to see what the process was doing. Its attachments, in this order, with
// <ts> the snapshot's UTC time as 20060102T150405Z:
//
//	snapshot-<ts>.txt      text/plain                the summary: kind, reason, time, Go version,
//	                                                 the files and how to open them, and notes
//	trace-<ts>.out         application/octet-stream  the execution trace window: go tool trace FILE
//	goroutines-<ts>.txt    text/plain                every goroutine's stack, as a crash prints them
//	goroutines-<ts>.pb.gz  application/octet-stream  goroutine profile: go tool pprof FILE
//	heap-<ts>.pb.gz        application/octet-stream  heap profile (as of the last GC): go tool pprof FILE
//
// A part that could not be taken, or that is larger than its bound, is
// left out and the summary's notes (also in Notes) say why; a goroutine
// dump longer than its bound is cut and ends with a marker line.
//
// A snapshot is not modified after Trigger returns it and may be read from
// any goroutine.
type Snapshot struct {
	Kind   Kind
	Reason string
	Time   time.Time
	// Notes lists the parts left out or cut, and why.
	Notes []string
	// Attachments are the files, the summary first.
	Attachments []Attachment
}

// EachAttachment calls add for each attachment, the summary first. It is
// the method a reporter asks for, through an interface of its own that
// needs no type of this package:
//
//	interface{ EachAttachment(add func(filename, contentType string, data []byte)) }
//
// A nil snapshot has no attachments.
func (s *Snapshot) EachAttachment(add func(filename, contentType string, data []byte)) {
	if s == nil {
		return
	}
	for _, a := range s.Attachments {
		add(a.Filename, a.ContentType, a.Data)
	}
}

// Size is the total size of the attachments in bytes.
func (s *Snapshot) Size() int {
	if s == nil {
		return 0
	}
	n := 0
	for _, a := range s.Attachments {
		n += len(a.Data)
	}
	return n
}

const tsLayout = "20060102T150405Z"

// capture takes the parts; r.mu is held.
func (r *Recorder) capture(kind Kind, reason string, now time.Time) *Snapshot {
	s := &Snapshot{Kind: kind, Reason: reason, Time: now}
	ts := now.UTC().Format(tsLayout)
	var parts []Attachment
	add := func(name, contentType string, data []byte) {
		parts = append(parts, Attachment{Filename: name, ContentType: contentType, Data: data})
	}

	traceName := "trace-" + ts + ".out"
	if r.fr == nil {
		s.Notes = append(s.Notes, "no "+traceName+": "+r.noTrace)
	} else {
		w := &boundedBuffer{limit: r.limits.trace}
		if _, err := r.fr.WriteTo(w); err != nil {
			s.Notes = append(s.Notes, noPart(traceName, err, w.limit))
		} else {
			add(traceName, ContentTypeBinary, w.Bytes())
		}
	}

	dumpName := "goroutines-" + ts + ".txt"
	switch dump, cut := goroutineDump(r.limits.goroutineDump); {
	case len(dump) == 0:
		s.Notes = append(s.Notes, noPart(dumpName, errTooLarge, r.limits.goroutineDump))
	case cut != "":
		s.Notes = append(s.Notes, dumpName+" "+cut)
		add(dumpName, ContentTypeText, dump)
	default:
		add(dumpName, ContentTypeText, dump)
	}

	for _, p := range []struct {
		profile, name string
		limit         int
	}{
		{"goroutine", "goroutines-" + ts + ".pb.gz", r.limits.goroutineProfile},
		{"heap", "heap-" + ts + ".pb.gz", r.limits.heapProfile},
	} {
		w := &boundedBuffer{limit: p.limit}
		if err := pprof.Lookup(p.profile).WriteTo(w, 0); err != nil {
			s.Notes = append(s.Notes, noPart(p.name, err, p.limit))
			continue
		}
		add(p.name, ContentTypeBinary, w.Bytes())
	}

	summary := Attachment{Filename: "snapshot-" + ts + ".txt", ContentType: ContentTypeText}
	summary.Data = r.summary(s, parts)
	s.Attachments = append([]Attachment{summary}, parts...)
	return s
}

func noPart(name string, err error, limit int) string {
	if errors.Is(err, errTooLarge) {
		return fmt.Sprintf("no %s: larger than its bound of %d bytes", name, limit)
	}
	return "no " + name + ": " + err.Error()
}

// summary writes the snapshot's index: the format is documented on
// Snapshot and in the package documentation.
func (r *Recorder) summary(s *Snapshot, parts []Attachment) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "flight recorder snapshot\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "kind:\t%s\n", s.Kind)
	fmt.Fprintf(tw, "reason:\t%s\n", oneLine(s.Reason))
	fmt.Fprintf(tw, "time:\t%s\n", s.Time.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(tw, "go:\t%s %s/%s, GOMAXPROCS %d, %d goroutines\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumGoroutine())
	fmt.Fprintf(tw, "window:\tmin age %s, max bytes %d\n", r.minAge, r.maxBytes)
	_ = tw.Flush()
	b.WriteString("\nfiles:\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, p := range parts {
		fmt.Fprintf(tw, "  %s\t%d bytes\t%s\n", p.Filename, len(p.Data), howToOpen(p.Filename))
	}
	_ = tw.Flush()
	if len(s.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	return b.Bytes()
}

func howToOpen(name string) string {
	switch {
	case strings.HasSuffix(name, ".out"):
		return "go tool trace " + name
	case strings.HasSuffix(name, ".pb.gz"):
		return "go tool pprof " + name
	default:
		return "text, as a Go crash prints goroutines"
	}
}

func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// goroutineDump returns every goroutine's stack, as runtime/pprof's
// goroutine profile with debug=2 (and a fatal crash) prints them, within
// limit bytes. The runtime fills a buffer of exactly that size, so a dump
// of many goroutines never costs more memory than its bound. A dump that
// does not fit is cut at a line break and ends with a marker line; cut
// says so, and is empty otherwise.
func goroutineDump(limit int) (dump []byte, cut string) {
	buf := make([]byte, limit)
	n := runtime.Stack(buf, true)
	if n < len(buf) {
		return bytes.Clone(buf[:n]), ""
	}
	total := runtime.NumGoroutine()
	marker := fmt.Sprintf("\n... goroutine dump cut at %d bytes (its bound); %d goroutines in all\n", limit, total)
	keep := limit - len(marker)
	if keep <= 0 {
		return nil, ""
	}
	if i := bytes.LastIndexByte(buf[:keep], '\n'); i >= 0 {
		keep = i
	}
	dump = append(buf[:keep:keep], marker...)
	return dump, fmt.Sprintf("cut at its bound of %d bytes (%d goroutines in all)", limit, total)
}

var errTooLarge = errors.New("larger than its bound")

// boundedBuffer collects a part and refuses to grow past limit bytes, so
// that a part larger than its bound costs at most its bound in memory.
type boundedBuffer struct {
	buf   []byte
	limit int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	n := len(b.buf) + len(p)
	if n > b.limit {
		return 0, errTooLarge
	}
	if n > cap(b.buf) {
		grown := make([]byte, len(b.buf), min(b.limit, max(n, 2*cap(b.buf), 64<<10)))
		copy(grown, b.buf)
		b.buf = grown
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Bytes returns what was written.
func (b *boundedBuffer) Bytes() []byte { return b.buf }
