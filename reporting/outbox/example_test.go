package outbox_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// A reporter writes each event to the outbox before any network attempt;
// a sender claims it, stamps sent_at, sends it, and marks it done.
func Example() {
	dir, err := os.MkdirTemp("", "outbox-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	o, err := outbox.Open(dir, outbox.Options{MaxBytes: 4 << 20})
	if err != nil {
		log.Fatal(err)
	}
	defer o.Close()

	dest, err := outbox.Destination("https://public@o1.ingest.sentry.io/42")
	if err != nil {
		log.Fatal(err)
	}
	ev := sentry.NewEvent()
	ev.EventID = "9ec79c33ec9942ab8353589fcb2e04dc"
	ev.Message = "payment failed"
	env, err := outbox.EncodeEvent(ev, dest)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := o.Write(string(ev.EventID), dest, env); err != nil {
		log.Fatal(err)
	}

	// The sender.
	c, err := o.Claim(dest)
	if err != nil || c == nil {
		log.Fatal("nothing claimed: ", err)
	}
	body, err := outbox.StampSentAt(c.Envelope, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	_ = body // POST body to the project's envelope endpoint; on 200:
	if err := o.Done(c); err != nil {
		log.Fatal(err)
	}

	files, _ := o.Pending(dest)
	fmt.Println("destination:", dest)
	fmt.Println("sent:", c.EventID)
	fmt.Println("pending:", files)
	// Output:
	// destination: https://o1.ingest.sentry.io/42
	// sent: 9ec79c33ec9942ab8353589fcb2e04dc
	// pending: 0
}
