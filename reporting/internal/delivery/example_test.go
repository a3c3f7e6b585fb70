package delivery_test

import (
	"context"
	"fmt"
	"os"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting/internal/delivery"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// A pipeline without a DSN keeps what it is given in the outbox, for the
// next start (with a DSN) or for people to read; it never sends.
func ExamplePipeline() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	ob, err := outbox.Open(dir, outbox.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ob.Close()
	p, err := delivery.New(delivery.Config{Outbox: ob})
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := &sentry.Event{EventID: "9ec79c33ec9942ab8353589fcb2e04dc", Message: "payment declined"}
	env, _ := outbox.EncodeEvent(ev, p.Destination())
	fmt.Println("kept in:", p.Put(string(ev.EventID), env))
	_ = p.Shutdown(context.Background())
	st := p.Stats()
	fmt.Println("outboxed:", st.Outboxed, "sent:", st.Sent)
	// Output:
	// kept in: outbox
	// outboxed: 1 sent: 0
}

// Shrink cuts an event down to fit a limit: here a message of 200 KiB in
// an envelope that must stay under 16 KiB.
func ExampleShrink() {
	ev := &sentry.Event{EventID: "9ec79c33ec9942ab8353589fcb2e04dc", Message: string(make([]byte, 200<<10))}
	env, _ := outbox.EncodeEvent(ev, "")
	small, ok := delivery.Shrink(env, 16<<10)
	fmt.Println(ok, len(env) > 200<<10, len(small) <= 16<<10)
	// Output: true true true
}
