package health

import (
	"context"
	"sync"
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
}

func newNotifier(ls []func(Change)) *notifier {
	return &notifier{listeners: ls, wake: make(chan struct{}, 1), quit: make(chan struct{})}
}

// run delivers changes until ctx is done or stop is called.
func (n *notifier) run(ctx context.Context) {
	for {
		select {
		case <-n.quit:
			return
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		for {
			n.mu.Lock()
			if len(n.queue) == 0 {
				n.mu.Unlock()
				break
			}
			ch := n.queue[0]
			n.queue = n.queue[1:]
			n.mu.Unlock()
			for _, l := range n.listeners {
				l(ch)
			}
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
