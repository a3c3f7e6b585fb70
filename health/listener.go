package health

import (
	"context"
	"sync"

	"github.com/supportkit/supportkit/errorsx"
)

// Change is a change of a check's status, given to the listeners of
// [WithListener]. From is 0 for a check's first result.
type Change struct {
	Check    string
	From, To Status
	// Result is the check's result after the change.
	Result Result
}

// maxQueued bounds the changes waiting for slow listeners; beyond it the
// oldest are dropped, so that a stuck listener cannot grow memory forever.
const maxQueued = 1024

// notifier delivers changes to listeners on its own goroutine, so that
// checks never wait for a listener.
type notifier struct {
	listeners []func(Change)

	mu      sync.Mutex
	queue   []Change
	dropped uint64
	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{} // closed when run has returned
}

func newNotifier(ls []func(Change)) *notifier {
	return &notifier{listeners: ls, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// start runs the notifier on a goroutine of its own, when there are
// listeners; stop ends it.
func (n *notifier) start() {
	if len(n.listeners) == 0 {
		close(n.done)
		return
	}
	go func() {
		defer close(n.done)
		n.run()
	}()
}

// wait waits until run has returned, or ctx is done.
func (n *notifier) wait(ctx context.Context) error {
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		return errorsx.DeadlineExceeded.New("health: listeners still running at shutdown")
	}
}

// run delivers changes until stop is called, and then the changes still
// queued: a listener that reports a check's failure must not lose the last
// one to the shutdown ([Registry.Shutdown] stops the notifier once the
// checks have returned, and waits for it within its context).
func (n *notifier) run() {
	for {
		select {
		case <-n.quit:
			n.deliver()
			return
		case <-n.wake:
		}
		n.deliver()
	}
}

// deliver hands the queued changes to the listeners, in order.
func (n *notifier) deliver() {
	for {
		n.mu.Lock()
		if len(n.queue) == 0 {
			n.mu.Unlock()
			return
		}
		ch := n.queue[0]
		n.queue = n.queue[1:]
		n.mu.Unlock()
		for _, l := range n.listeners {
			l(ch)
		}
	}
}

func (n *notifier) send(ch Change) {
	if len(n.listeners) == 0 {
		return
	}
	n.mu.Lock()
	if len(n.queue) >= maxQueued {
		n.queue = n.queue[1:]
		n.dropped++
	}
	n.queue = append(n.queue, ch)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case <-n.quit:
	default:
		close(n.quit)
	}
}
