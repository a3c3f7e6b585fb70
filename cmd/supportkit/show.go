package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// showEvent is one event of show -json.
type showEvent struct {
	EventID     string          `json:"event_id"`
	Title       string          `json:"title"`
	Time        time.Time       `json:"time"`
	Level       string          `json:"level"`
	Group       string          `json:"group"`
	TraceID     string          `json:"trace_id,omitempty"`
	SpanID      string          `json:"span_id,omitempty"`
	File        string          `json:"file"`  // relative to the outbox
	State       string          `json:"state"` // pending, claimed, rejected
	Reason      string          `json:"rejected_because,omitempty"`
	Local       bool            `json:"local"` // captured without a DSN: never sent
	Attachments []attachment    `json:"attachments"`
	Event       json.RawMessage `json:"event"` // as stored
}

// showOutput is show -json's document.
type showOutput struct {
	ID        string      `json:"id"`
	MatchedBy string      `json:"matched_by"` // event_id or trace_id
	Events    []showEvent `json:"events"`
}

func (e *env) show(args []string) error {
	fs, c := e.flags("show", "[-outbox DIR | -service NAME] [-json] [-save DIR] ID\n\nID is an event ID, a reference ID from a problem+json answer (an event ID or a trace ID), or a trace ID (every event of the trace is shown).")
	asJSON := fs.Bool("json", false, "write JSON for scripts")
	save := fs.String("save", "", "write the events' attachments into this `dir`ectory (created; never inside the outbox)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("show takes one ID (an event ID, reference ID or trace ID), got %d arguments", len(pos))
	}
	id := normalizeID(pos[0])
	if !isHexID(id) {
		return usagef("%q is not an event, reference or trace ID (32 hex digits)", pos[0])
	}
	s, err := e.readStore(c)
	if err != nil {
		return err
	}
	matched, by := s.find(id)
	if len(matched) == 0 {
		return fmt.Errorf("no event with ID %s: searched the event IDs and trace IDs of %d events in %s (pending, claimed and rejected; %d files skipped)",
			id, len(s.records), s.dir, len(s.skipped))
	}
	groups := map[*record]string{}
	for _, g := range groupRecords(s.records) {
		for _, r := range g.records {
			groups[r] = g.id
		}
	}
	if *save != "" {
		if err := saveAttachments(s.dir, *save, matched); err != nil {
			return err
		}
	}
	if *asJSON {
		out := showOutput{ID: id, MatchedBy: by}
		for _, r := range matched {
			se := showEvent{
				EventID: r.ev.EventID, Title: r.ev.title(), Time: r.ev.time, Level: levelName(r.ev.Level),
				Group: groups[r], TraceID: r.ev.traceID(), SpanID: r.ev.spanID(),
				File: r.rel, State: string(r.file.State), Reason: r.file.Reason(), Local: r.dest == "",
				Attachments: r.attachments, Event: json.RawMessage(r.raw),
			}
			if se.Attachments == nil {
				se.Attachments = []attachment{}
			}
			if !json.Valid(se.Event) {
				se.Event = json.RawMessage("null")
			}
			out.Events = append(out.Events, se)
		}
		enc := json.NewEncoder(e.json)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if by == "trace_id" {
		fmt.Fprintf(e.stdout, "%d events of trace %s\n\n", len(matched), id)
	}
	for i, r := range matched {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		writeEvent(e.stdout, r, groups[r], *save)
	}
	return nil
}

func isHexID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// find returns the events with event ID id, or else those of trace id.
// A reference ID is one or the other: supportkit's problem+json answers
// carry the event ID when the failure was reported, else the trace ID.
func (s *store) find(id string) ([]*record, string) {
	var out []*record
	for _, r := range s.records {
		if r.ev.EventID == id {
			out = append(out, r)
		}
	}
	if len(out) > 0 {
		return out, "event_id"
	}
	for _, r := range s.records {
		if r.ev.traceID() == id {
			out = append(out, r)
		}
	}
	return out, "trace_id"
}

// writeEvent writes one event as a person reads it.
func writeEvent(w io.Writer, r *record, groupID, saved string) {
	ev := r.ev
	p := func(label, value string) {
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(w, "  %-12s %s\n", label, value)
	}
	fmt.Fprintf(w, "Event %s\n", ev.EventID)
	p("title", ev.title())
	p("when", ev.time.UTC().Format(time.RFC3339Nano))
	p("level", levelName(ev.Level))
	p("release", ev.Release)
	p("environment", ev.Environment)
	p("route", ev.route())
	p("server", ev.ServerName)
	key, rule := groupKey(ev)
	p("group", fmt.Sprintf("%s (by %s: %s)", groupID, rule, strings.Join(key, ", ")))
	p("trace ID", ev.traceID())
	p("span ID", ev.spanID())
	state := string(r.file.State)
	if reason := r.file.Reason(); reason != "" {
		state += ": " + reason
	}
	if r.dest == "" {
		state += "; local: captured without a DSN, never sent"
	} else {
		state += "; for " + r.dest
	}
	p("file", r.rel+" ("+state+")")
	if m := ev.message(); m != "" && ev.mainException() != nil {
		p("message", m)
	}

	if len(ev.exceptions) > 0 {
		fmt.Fprintf(w, "\nException (the outermost first; > marks the application's frames, the innermost first)\n")
		for i := len(ev.exceptions) - 1; i >= 0; i-- {
			ex := ev.exceptions[i]
			intro := "  "
			if i < len(ev.exceptions)-1 {
				intro = "  caused by "
			}
			head := ex.Type
			if ex.Value != "" {
				head += ": " + ex.Value
			}
			if ex.Mechanism != nil && ex.Mechanism.Type != "" && ex.Mechanism.Type != "chained" {
				handled := ""
				if ex.Mechanism.Handled != nil && !*ex.Mechanism.Handled {
					handled = ", unhandled"
				}
				head += fmt.Sprintf("  [%s%s]", ex.Mechanism.Type, handled)
			}
			fmt.Fprintf(w, "%s%s\n", intro, head)
			writeFrames(w, ex)
		}
	}
	for _, t := range ev.threads {
		if t.Crashed {
			fmt.Fprintf(w, "\nCrashed: %s\n", t.Name)
		}
	}
	if rq := ev.Request; rq != nil {
		fmt.Fprintf(w, "\nRequest (as captured, scrubbed)\n")
		fmt.Fprintf(w, "  %s %s\n", rq.Method, rq.URL)
		if q := rawText(rq.QueryString); q != "" {
			fmt.Fprintf(w, "  query    %s\n", q)
		}
		headers := map[string]string{}
		var obj map[string]any
		if json.Unmarshal(rq.Headers, &obj) == nil {
			for k, v := range obj {
				headers[k] = scalar(v)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(headers)) {
			fmt.Fprintf(w, "  %s: %s\n", k, headers[k])
		}
		if c := rawText(rq.Cookies); c != "" {
			fmt.Fprintf(w, "  cookies  %s\n", c)
		}
		if d := rawText(rq.Data); d != "" {
			fmt.Fprintf(w, "  body     %s\n", clip(d, 500))
		}
	}
	if len(ev.User) > 0 {
		fmt.Fprintf(w, "\nUser\n")
		writeMap(w, "  ", ev.User)
	}
	if len(ev.crumbs) > 0 {
		fmt.Fprintf(w, "\nBreadcrumbs (oldest first)\n")
		for _, b := range ev.crumbs {
			ts := parseTime(b.Timestamp)
			when := "-"
			if !ts.IsZero() {
				when = ts.Format("15:04:05.000")
			}
			line := fmt.Sprintf("  %s %-7s %s", when, levelName(b.Level), b.Message)
			if b.Category != "" {
				line += "  (" + b.Category + ")"
			}
			fmt.Fprintln(w, line)
			for _, k := range slices.Sorted(maps.Keys(b.Data)) {
				if k == "trace_id" || k == "span_id" || k == "trace_flags" {
					continue // the event's own, shown above
				}
				fmt.Fprintf(w, "      %s=%s\n", k, scalar(b.Data[k]))
			}
		}
	}
	if len(ev.tags) > 0 {
		fmt.Fprintf(w, "\nTags\n")
		for _, k := range slices.Sorted(maps.Keys(ev.tags)) {
			fmt.Fprintf(w, "  %s: %s\n", k, ev.tags[k])
		}
	}
	if ctxs := slices.DeleteFunc(slices.Sorted(maps.Keys(ev.Contexts)), func(k string) bool { return k == "trace" }); len(ctxs) > 0 {
		fmt.Fprintf(w, "\nContexts\n")
		for _, k := range ctxs {
			fmt.Fprintf(w, "  %s\n", k)
			writeMap(w, "    ", ev.Contexts[k])
		}
	}
	if len(ev.Modules) > 0 {
		fmt.Fprintf(w, "\nModules: %d (show -json lists them)\n", len(ev.Modules))
	}
	if len(r.attachments) > 0 {
		fmt.Fprintf(w, "\nAttachments\n")
		for _, a := range r.attachments {
			ct := a.ContentType
			if ct == "" {
				ct = "-"
			}
			fmt.Fprintf(w, "  %s  %s  %d bytes\n", a.Name, ct, a.Size)
			dir := saved
			if dir == "" {
				dir = "DIR"
			}
			path := filepath.Join(dir, safeName(a.Name))
			if tool := openWith(a); tool != "" {
				fmt.Fprintf(w, "    open: %s %s\n", tool, path)
			}
		}
		if saved == "" {
			fmt.Fprintf(w, "  (write them to DIR with: supportkit show -save DIR %s)\n", ev.EventID)
		} else {
			fmt.Fprintf(w, "  (written to %s)\n", saved)
		}
	}
}

// writeFrames writes an exception's frames innermost first, as Go prints
// a stack; the application's frames are marked with ">".
func writeFrames(w io.Writer, ex exception) {
	if ex.Stacktrace == nil {
		return
	}
	frames := ex.Stacktrace.Frames
	for i := len(frames) - 1; i >= 0; i-- {
		f := frames[i]
		mark := " "
		if f.InApp {
			mark = ">"
		}
		fmt.Fprintf(w, "    %s %s\n", mark, f.name())
		if where := f.where(); where != "" {
			fmt.Fprintf(w, "        %s\n", where)
		}
	}
}

// writeMap writes a JSON object's keys in order, one a line.
func writeMap(w io.Writer, indent string, m map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(w, "%s%s: %s\n", indent, k, scalar(m[k]))
	}
}

// rawText renders a raw JSON value: a string as itself, others as JSON.
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// openWith names the Go tool that opens an attachment: an execution
// trace with go tool trace, a profile with go tool pprof.
func openWith(a attachment) string {
	name, ct := strings.ToLower(a.Name), strings.ToLower(a.ContentType)
	switch {
	case strings.Contains(ct, "trace") || strings.HasSuffix(name, ".trace") || strings.Contains(name, "trace") && strings.HasSuffix(name, ".out"):
		return "go tool trace"
	case strings.Contains(ct, "pprof") || strings.HasSuffix(name, ".pprof") || strings.HasSuffix(name, ".pb.gz") || strings.Contains(name, "profile"):
		return "go tool pprof"
	default:
		return ""
	}
}

// safeName keeps an attachment's name from leaving the directory it is
// saved in.
func safeName(name string) string {
	name = filepath.Base(filepath.Clean("/" + strings.ReplaceAll(name, `\`, "/")))
	if name == "/" || name == "." || name == ".." || name == "" {
		return "attachment"
	}
	return name
}

// saveAttachments writes the attachments of records into dir.
func saveAttachments(outboxDir, dir string, records []*record) error {
	abs, err1 := filepath.Abs(dir)
	ob, err2 := filepath.Abs(outboxDir)
	if err1 == nil && err2 == nil && (abs == ob || strings.HasPrefix(abs, ob+string(filepath.Separator))) {
		return usagef("-save %s is inside the outbox, which this command does not change", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot save attachments: %v", err)
	}
	for _, r := range records {
		for _, a := range r.attachments {
			if err := os.WriteFile(filepath.Join(dir, safeName(a.Name)), a.data, 0o600); err != nil {
				return fmt.Errorf("cannot save attachment %s: %v", a.Name, err)
			}
		}
	}
	return nil
}
