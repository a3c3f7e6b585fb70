package reporting

import (
	"sync"

	"github.com/getsentry/sentry-go"
)

// item is one unit of work for the reporter's goroutine: a job to build
// into an event, or an event already built by sentry-go's own API.
type item struct {
	job *job
	ev  *sentry.Event
}

// queue is a bounded FIFO ring that drops its oldest item when full, so
// that a storm costs a fixed amount of memory and the newest events win.
type queue struct {
	mu      sync.Mutex
	buf     []item
	head, n int
	dropped int64
}

func newQueue(size int) *queue { return &queue{buf: make([]item, size)} }

func (q *queue) push(it item) {
	q.mu.Lock()
	if q.n == len(q.buf) {
		q.buf[q.head] = item{}
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		q.dropped++
	}
	q.buf[(q.head+q.n)%len(q.buf)] = it
	q.n++
	q.mu.Unlock()
}

func (q *queue) pop() (item, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return item{}, false
	}
	it := q.buf[q.head]
	q.buf[q.head] = item{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return it, true
}

func (q *queue) dropOne() {
	q.mu.Lock()
	q.dropped++
	q.mu.Unlock()
}

func (q *queue) droppedTotal() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// recent remembers the last errors captured and their event IDs, so that
// logging an error that was just reported (the usual "report, then log"
// of a handler) adds its event ID to the log line instead of making a
// second event.
type recent struct {
	mu   sync.Mutex
	errs [32]error
	ids  [32]string
	next int
}

func (c *recent) put(err error, id string) {
	if !comparable(err) {
		return
	}
	c.mu.Lock()
	c.errs[c.next], c.ids[c.next] = err, id
	c.next = (c.next + 1) % len(c.errs)
	c.mu.Unlock()
}

func (c *recent) get(err error) string {
	if !comparable(err) {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.errs {
		if e != nil && e == err {
			return c.ids[i]
		}
	}
	return ""
}
