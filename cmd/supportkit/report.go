package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

func (e *env) report(args []string) error {
	fs, c := e.flags("report", "[-outbox DIR | -service NAME] [-since T] [-until T] [-level L] [-route R] [-release V] [-top N] [-now T]")
	var wf windowFlags
	wf.add(fs, c)
	top := fs.Int("top", 5, "how many groups to describe in full")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("report takes no arguments, got %q", pos)
	}
	if *top < 1 {
		return usagef("-top %d: at least 1", *top)
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
	writeReport(e.stdout, s.selected(w), s.selectedCrashes(w), w, *top)
	return nil
}

// writeReport writes the Markdown draft. It depends only on its inputs.
func writeReport(out io.Writer, sel []*record, raw []rawCrash, w window, top int) {
	p := func(format string, args ...any) { fmt.Fprintf(out, format, args...) }
	groups := groupRecords(sel)

	p("# Incident report (draft)\n\n")
	p("_Drafted by `supportkit report` from the events a service recorded%s. Complete the sections marked TODO; check every figure against Sentry, the traces and the logs._\n\n", w.describe())

	p("## Summary\n\n")
	if len(sel) == 0 {
		p("No events were recorded%s", w.describe())
		if len(raw) > 0 {
			p("; the process crashed %s (not reported yet, see the timeline)", times(len(raw)))
		}
		p(".\n\n")
	} else {
		levels := countBy(sel, func(r *record) string { return levelName(r.ev.Level) })
		routes := countBy(sel, func(r *record) string { return r.ev.route() })
		delete(routes, "")
		crashes := len(raw)
		for _, r := range sel {
			if r.ev.isCrash() {
				crashes++
			}
		}
		p("%s in %s between %s and %s UTC (%s)", plural(len(sel), "event"), plural(len(groups), "group"),
			timeText(sel[0].ev.time), timeText(sel[len(sel)-1].ev.time), byCount(levels))
		p(", on %s", plural(len(routes), "route"))
		rel := distinct(sel, func(r *record) string { return r.ev.Release })
		if len(rel) == 0 {
			p(", no release recorded")
		} else {
			p(", %s %s", pluralWord(len(rel), "release"), strings.Join(rel, ", "))
			if len(rel) < len(sel) && slices.ContainsFunc(sel, func(r *record) bool { return r.ev.Release == "" }) {
				p(" (and events without a release)")
			}
		}
		if crashes > 0 {
			p("; the process crashed %s", times(crashes))
		}
		if g := mostFrequent(groups); len(g.records) > 1 {
			p(". The most frequent: %s (%s)", mdCode(g.title()), plural(len(g.records), "event"))
		}
		p(".\n\n")
	}

	p("## Timeline (UTC)\n\n")
	if len(sel) > 0 || len(raw) > 0 {
		type line struct {
			t    time.Time
			text string
		}
		var lines []line
		for _, g := range groups {
			t := mdCode(clip(g.title(), 80))
			lines = append(lines, line{g.first().ev.time, fmt.Sprintf("first %s (group %s)", t, g.id)})
			if len(g.records) > 1 {
				pm, pn := peak(g.records)
				lines = append(lines, line{pm, fmt.Sprintf("peak of group %s: %s in the minute from %s", g.id, plural(pn, "event"), pm.Format("15:04"))})
				lines = append(lines, line{g.last().ev.time, fmt.Sprintf("last %s (group %s, %s in all)", t, g.id, plural(len(g.records), "event"))})
			}
		}
		for _, r := range sel {
			switch {
			case r.ev.isCrash():
				lines = append(lines, line{r.ev.time, fmt.Sprintf("**the process crashed**: %s (event `%s`)", mdCode(clip(r.ev.title(), 80)), r.ev.EventID)})
			case r.ev.isHealth():
				lines = append(lines, line{r.ev.time, fmt.Sprintf("health: %s (event `%s`)", mdCode(clip(r.ev.title(), 80)), r.ev.EventID)})
			}
		}
		for _, c := range raw {
			lines = append(lines, line{c.Time, fmt.Sprintf("**the process crashed**: %s (not reported yet: raw output in `%s`, reported as event `%s` when the crash monitor next starts)", mdCode(clip(c.FirstLine, 80)), c.Path, c.EventID)})
		}
		slices.SortStableFunc(lines, func(a, b line) int {
			if c := a.t.Compare(b.t); c != 0 {
				return c
			}
			return strings.Compare(a.text, b.text)
		})
		p("| time | what |\n|---|---|\n")
		for _, l := range lines {
			p("| %s | %s |\n", l.t.UTC().Format("2006-01-02 15:04:05.000"), l.text)
		}
		p("\n")
	}

	p("## Impact\n\n")
	if len(sel) > 0 {
		table := func(title, col string, f func(*record) string) {
			counts := countBy(sel, f)
			groupsOf := map[string]map[string]bool{}
			for _, g := range groups {
				for _, r := range g.records {
					k := f(r)
					if groupsOf[k] == nil {
						groupsOf[k] = map[string]bool{}
					}
					groupsOf[k][g.id] = true
				}
			}
			p("### %s\n\n| %s | events | groups |\n|---|---|---|\n", title, col)
			for _, k := range sortedByCount(counts) {
				name := k
				if name == "" {
					name = "(none)"
				} else {
					name = mdCode(name)
				}
				p("| %s | %d | %d |\n", name, counts[k], len(groupsOf[k]))
			}
			p("\n")
		}
		table("By route", "route", func(r *record) string { return r.ev.route() })
		table("By code", "code", func(r *record) string { return r.ev.tags["code"] })
		table("By release", "release", func(r *record) string { return r.ev.Release })
		users := distinct(sel, func(r *record) string { return userKey(r.ev) })
		users = slices.DeleteFunc(users, func(u string) bool { return u == "-" })
		p("Users identified in the events: %d.\n\n", len(users))
	}

	p("## Top groups\n\n")
	byCountDesc := slices.Clone(groups)
	slices.SortStableFunc(byCountDesc, func(a, b *group) int { return len(b.records) - len(a.records) })
	for i, g := range byCountDesc {
		if i == top {
			p("%s more: `supportkit ls` lists them.\n\n", plural(len(byCountDesc)-top, "group"))
			break
		}
		sample := g.last()
		p("### %d. %s\n\n", i+1, mdCode(clip(g.title(), 120)))
		p("- group `%s`, %s, level %s, grouped by %s: %s\n", g.id, plural(len(g.records), "event"), g.level(), g.rule, mdCode(strings.Join(g.key, ", ")))
		p("- first seen %s, last seen %s\n", timeText(g.first().ev.time), timeText(g.last().ev.time))
		p("- routes: %s; releases: %s\n", list(g.routes()), list(g.releases()))
		p("- sample event `%s`: `supportkit show %s`\n\n", sample.ev.EventID, sample.ev.EventID)
		if ex := sample.ev.mainException(); ex != nil {
			p("```\n")
			for j := len(sample.ev.exceptions) - 1; j >= 0; j-- {
				x := sample.ev.exceptions[j]
				if j < len(sample.ev.exceptions)-1 {
					p("caused by ")
				}
				p("%s: %s\n", x.Type, x.Value)
				if x.Stacktrace != nil {
					hidden := 0
					for k := len(x.Stacktrace.Frames) - 1; k >= 0; k-- {
						f := x.Stacktrace.Frames[k]
						if !f.InApp {
							hidden++
							continue
						}
						p("    %s\n        %s\n", f.name(), f.where())
					}
					if hidden > 0 {
						p("    (%s of the runtime, libraries and middleware not shown)\n", plural(hidden, "frame"))
					}
				}
			}
			p("```\n\n")
		}
		if rq := sample.ev.Request; rq != nil {
			p("Sample request: `%s %s`", rq.Method, rq.URL)
			if ua := headerValue(rq, "User-Agent"); ua != "" {
				p(", User-Agent `%s`", ua)
			}
			p("\n\n")
		}
	}

	p("## Trace IDs to look up\n\n")
	var traces []string
	events := map[string][]string{}
	for _, r := range sel {
		id := r.ev.traceID()
		if id == "" {
			continue
		}
		if events[id] == nil {
			traces = append(traces, id)
		}
		events[id] = append(events[id], fmt.Sprintf("%s (event `%s`, %s)", mdCode(clip(r.ev.title(), 80)), r.ev.EventID, timeText(r.ev.time)))
	}
	for _, id := range traces {
		p("- `%s`: %s\n", id, strings.Join(events[id], "; "))
	}
	if len(traces) == 0 {
		p("No event carries a trace ID.\n")
	}
	p("\n")

	p("## Cause\n\nTODO: what broke and why; link the Sentry issues, traces and log searches.\n\n")
	p("## Steps taken\n\nTODO: what was done, when and by whom.\n\n")
	p("## Prevention\n\nTODO: what keeps this from happening again (a fix, a test, an alert, a check).\n")
}

func countBy(records []*record, f func(*record) string) map[string]int {
	out := map[string]int{}
	for _, r := range records {
		out[f(r)]++
	}
	return out
}

// sortedByCount orders keys by count, most first, then by name.
func sortedByCount(m map[string]int) []string {
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	return keys
}

func byCount(m map[string]int) string {
	var parts []string
	for _, k := range sortedByCount(m) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func mostFrequent(groups []*group) *group {
	best := groups[0]
	for _, g := range groups[1:] {
		if len(g.records) > len(best.records) {
			best = g
		}
	}
	return best
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func pluralWord(n int, what string) string {
	if n == 1 {
		return what
	}
	return what + "s"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// mdCode quotes s as Markdown inline code.
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", `\|`) // inside tables
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func userKey(ev *event) string {
	for _, k := range []string{"id", "username", "email", "ip_address"} {
		if v := scalar(ev.User[k]); v != "" {
			return k + ":" + v
		}
	}
	return ""
}

func headerValue(rq *request, name string) string {
	var obj map[string]any
	if rq.Headers == nil || json.Unmarshal(rq.Headers, &obj) != nil {
		return ""
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return scalar(v)
		}
	}
	return ""
}
