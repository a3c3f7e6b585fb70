package reporting

import (
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"
)

// maxLogCrumbs is how many log breadcrumbs a request keeps, as many as a
// sentry scope keeps breadcrumbs.
const maxLogCrumbs = 100

// logCrumbs holds a request's log breadcrumbs as the log handler gave
// them, attributes resolved, in a ring of the newest maxLogCrumbs: a
// breadcrumb costs its request a sentry.Breadcrumb and a map only when an
// event is made, and a request that logs but never fails needs no hub.
// Its lock is never held while a scope's is taken (the event processor,
// merge, runs under the scope's).
type logCrumbs struct {
	mu   sync.Mutex
	ring []logCrumb // grows to maxLogCrumbs; once full, next is the oldest
	next int
}

// logCrumb is one breadcrumb; its attributes are inline[:n] when n fits,
// else inline then more.
type logCrumb struct {
	at      time.Time
	level   sentry.Level
	message string
	n       int
	inline  [4]slog.Attr
	more    []slog.Attr
}

// push adds an attribute to the breadcrumb.
func (c *logCrumb) push(a slog.Attr) {
	if c.n < len(c.inline) {
		c.inline[c.n] = a
	} else {
		c.more = append(c.more, a)
	}
	c.n++
}

func (c *logCrumb) attrs() []slog.Attr {
	if c.n <= len(c.inline) {
		return c.inline[:c.n]
	}
	return append(c.inline[:len(c.inline):len(c.inline)], c.more...)
}

// add keeps one breadcrumb, in place of the oldest when the ring is full;
// fill pushes its attributes.
func (l *logCrumbs) add(at time.Time, level sentry.Level, message string, fill func(*logCrumb)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var c *logCrumb
	if len(l.ring) < maxLogCrumbs {
		if l.ring == nil {
			l.ring = make([]logCrumb, 0, 4) // a request logs a few lines
		}
		l.ring = append(l.ring, logCrumb{})
		c = &l.ring[len(l.ring)-1]
	} else {
		c = &l.ring[l.next]
		l.next = (l.next + 1) % maxLogCrumbs
		more := c.more[:0]
		*c = logCrumb{more: more}
	}
	c.at, c.level, c.message = at, level, message
	fill(c)
}

// merge is the event processor of a request's hub: it adds the log
// breadcrumbs logged up to the event's time to its breadcrumbs, in time
// order, keeping the newest maxLogCrumbs.
func (l *logCrumbs) merge(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
	l.mu.Lock()
	added := false
	for i := range l.ring {
		c := &l.ring[(l.next+i)%len(l.ring)] // oldest first
		if !ev.Timestamp.IsZero() && c.at.After(ev.Timestamp) {
			continue // logged after the capture
		}
		ev.Breadcrumbs = append(ev.Breadcrumbs, &sentry.Breadcrumb{
			Type:      "default",
			Category:  "log",
			Message:   c.message,
			Data:      attrData(c.attrs()),
			Level:     c.level,
			Timestamp: c.at,
		})
		added = true
	}
	l.mu.Unlock()
	if added {
		slices.SortStableFunc(ev.Breadcrumbs, func(a, b *sentry.Breadcrumb) int { return a.Timestamp.Compare(b.Timestamp) })
		if n := len(ev.Breadcrumbs); n > maxLogCrumbs {
			ev.Breadcrumbs = ev.Breadcrumbs[n-maxLogCrumbs:]
		}
	}
	return ev
}

// attrData makes breadcrumb data of resolved attributes, or nil.
func attrData(attrs []slog.Attr) map[string]any {
	if len(attrs) == 0 {
		return nil
	}
	m := make(map[string]any, len(attrs))
	for _, a := range attrs {
		addAttr(m, a)
	}
	return m
}
