package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// lsGroup is one line of ls, and its -json form.
type lsGroup struct {
	Group     string    `json:"group"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Level     string    `json:"level"`
	Title     string    `json:"title"`
	Routes    []string  `json:"routes"`
	Releases  []string  `json:"releases"`
	GroupedBy string    `json:"grouped_by"`
	Key       []string  `json:"key"`
	Events    []string  `json:"events"` // event IDs, oldest first
}

// lsOutput is ls -json's document.
type lsOutput struct {
	Events  int       `json:"events"`
	Groups  []lsGroup `json:"groups"`
	Skipped []skipped `json:"skipped"`
	// UnreportedCrashes are raw crash outputs no event reports yet.
	UnreportedCrashes []rawCrash `json:"unreported_crashes"`
}

func (e *env) ls(args []string) error {
	fs, c := e.flags("ls", "[-outbox DIR | -service NAME] [-since T] [-until T] [-level L] [-route R] [-release V] [-json]")
	var wf windowFlags
	wf.add(fs, c)
	asJSON := fs.Bool("json", false, "write JSON for scripts")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("ls takes no arguments, got %q", pos)
	}
	now, err := c.clock()
	if err != nil {
		return err
	}
	w, err := wf.window(now)
	if err != nil {
		return err
	}
	s, err := e.readStore(c)
	if err != nil {
		return err
	}
	sel := s.selected(w)
	groups := groupRecords(sel)
	crashes := s.selectedCrashes(w)
	out := lsOutput{Events: len(sel), Groups: []lsGroup{}, Skipped: s.skipped, UnreportedCrashes: crashes}
	if out.UnreportedCrashes == nil {
		out.UnreportedCrashes = []rawCrash{}
	}
	if out.Skipped == nil {
		out.Skipped = []skipped{}
	}
	for _, g := range groups {
		l := lsGroup{
			Group: g.id, Count: len(g.records),
			FirstSeen: g.first().ev.time, LastSeen: g.last().ev.time,
			Level: g.level(), Title: g.title(),
			Routes: nonNil(g.routes()), Releases: nonNil(g.releases()),
			GroupedBy: g.rule, Key: g.key,
		}
		for _, r := range g.records {
			l.Events = append(l.Events, r.ev.EventID)
		}
		out.Groups = append(out.Groups, l)
	}
	if *asJSON {
		enc := json.NewEncoder(e.json)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	defer func() {
		for _, c := range crashes {
			fmt.Fprintf(e.stdout, "crash at %s not reported yet: %s (%s; the crash monitor reports it as event %s at its next start)\n",
				timeText(c.Time), c.FirstLine, c.Path, c.EventID)
		}
	}()
	if len(groups) == 0 {
		fmt.Fprintf(e.stdout, "no events in %s%s\n", s.dir, w.describe())
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tCOUNT\tFIRST SEEN\tLAST SEEN\tLEVEL\tTITLE\tROUTES\tRELEASES")
	for _, l := range out.Groups {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Group, l.Count, timeText(l.FirstSeen), timeText(l.LastSeen),
			l.Level, clip(l.Title, 72), list(l.Routes), list(l.Releases))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s in %s; supportkit show EVENT_ID for one\n", plural(len(sel), "event"), plural(len(groups), "group"))
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// describe says what the window selects, for "no events" messages.
func (w window) describe() string {
	var parts []string
	if !w.since.IsZero() {
		parts = append(parts, "since "+timeText(w.since))
	}
	if !w.until.IsZero() {
		parts = append(parts, "until "+timeText(w.until))
	}
	if w.minLevel > 0 {
		parts = append(parts, "of level "+w.levelName+" or above")
	}
	if w.route != "" {
		parts = append(parts, "on route "+w.route)
	}
	if w.release != "" {
		parts = append(parts, "of release "+w.release)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, ", ")
}

// list writes values for a person: "-" for none.
func list(values []string) string {
	if len(values) == 0 {
		return "-"
	}
	return strings.Join(values, ", ")
}

// clip shortens s to n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
