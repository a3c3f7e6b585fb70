package main

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"time"
)

// How events are grouped: the way Sentry groups them.
//
//   - An event with a fingerprint (supportkit sets one when it knows where
//     the failure comes from: the code and the application's first frame,
//     see package reporting) is grouped by it. "{{ default }}" in it
//     stands for the default rule below.
//   - Otherwise by the main exception's type and the innermost frame
//     marked in_app (the application's own code) of its stack, or of the
//     chain's other exceptions; without an in-app frame, by the type and
//     the exception's value.
//   - An event without an exception is grouped by its message, with runs
//     of digits and hex IDs replaced, so that "payment 7731 declined" and
//     "payment 7732 declined" are one group.
const (
	byFingerprint = "fingerprint"
	byStack       = "exception type and in-app frame"
	byValue       = "exception type and value"
	byMessage     = "message"
)

// group is the events that Sentry would make one issue of.
type group struct {
	id      string // the first 12 hex digits of the SHA-256 of key
	key     []string
	rule    string
	records []*record // oldest first
}

func (g *group) first() *record { return g.records[0] }
func (g *group) last() *record  { return g.records[len(g.records)-1] }

// groupKey returns the parts an event is grouped by and the rule used.
func groupKey(ev *event) ([]string, string) {
	if len(ev.Fingerprint) > 0 {
		var key []string
		for _, p := range ev.Fingerprint {
			if strings.TrimSpace(p) == "{{ default }}" || strings.TrimSpace(p) == "{{default}}" {
				d, _ := defaultKey(ev)
				key = append(key, d...)
				continue
			}
			key = append(key, p)
		}
		return key, byFingerprint
	}
	return defaultKey(ev)
}

func defaultKey(ev *event) ([]string, string) {
	ex := ev.mainException()
	if ex == nil {
		return []string{normalizeMessage(ev.message())}, byMessage
	}
	if f, ok := innermostInApp(ex); ok {
		return []string{ex.Type, f.name()}, byStack
	}
	for i := len(ev.exceptions) - 1; i >= 0; i-- {
		if f, ok := innermostInApp(&ev.exceptions[i]); ok {
			return []string{ex.Type, f.name()}, byStack
		}
	}
	return []string{ex.Type, normalizeMessage(ex.Value)}, byValue
}

// innermostInApp is the frame closest to the failure that is the
// application's own. Sentry lists frames oldest first.
func innermostInApp(ex *exception) (frame, bool) {
	if ex.Stacktrace == nil {
		return frame{}, false
	}
	for i := len(ex.Stacktrace.Frames) - 1; i >= 0; i-- {
		if f := ex.Stacktrace.Frames[i]; f.InApp {
			return f, true
		}
	}
	return frame{}, false
}

var (
	hexID  = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b[0-9a-fA-F]{8,}\b`)
	digits = regexp.MustCompile(`\d+`)
)

// normalizeMessage replaces what varies between occurrences of one log
// call: hex IDs and numbers.
func normalizeMessage(m string) string {
	m = hexID.ReplaceAllString(m, "<id>")
	return digits.ReplaceAllString(m, "<n>")
}

// groupRecords groups records (oldest first), and orders the groups by
// their last event, newest first.
func groupRecords(records []*record) []*group {
	byID := map[string]*group{}
	var groups []*group
	for _, r := range records {
		key, rule := groupKey(r.ev)
		sum := sha256.Sum256([]byte(strings.Join(key, "\x00")))
		id := hex.EncodeToString(sum[:6])
		g := byID[id]
		if g == nil {
			g = &group{id: id, key: key, rule: rule}
			byID[id] = g
			groups = append(groups, g)
		}
		g.records = append(g.records, r)
	}
	slices.SortStableFunc(groups, func(a, b *group) int {
		if c := b.last().ev.time.Compare(a.last().ev.time); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return groups
}

// level is the level of the group's latest event, as Sentry shows it.
func (g *group) level() string { return levelName(g.last().ev.Level) }

func levelName(l string) string {
	if l == "" {
		return "error"
	}
	return strings.ToLower(l)
}

// title is the title of the group's latest event.
func (g *group) title() string { return g.last().ev.title() }

// routes and releases are the distinct values of the group's events,
// sorted; events without one add nothing.
func (g *group) routes() []string {
	return distinct(g.records, func(r *record) string { return r.ev.route() })
}

func (g *group) releases() []string {
	return distinct(g.records, func(r *record) string { return r.ev.Release })
}

func distinct(records []*record, f func(*record) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range records {
		v := f(r)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// peak returns the minute (truncated) with the most events of the group
// and their number; the earliest such minute on a tie.
func peak(records []*record) (time.Time, int) {
	counts := map[time.Time]int{}
	var best time.Time
	n := 0
	for _, r := range records {
		m := r.ev.time.Truncate(time.Minute)
		counts[m]++
		if c := counts[m]; c > n || c == n && m.Before(best) {
			best, n = m, c
		}
	}
	return best, n
}
