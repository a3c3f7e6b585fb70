package outbox_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// TestWritten: a reader beside the outbox finds the envelopes written in a
// time window, waiting or claimed by a sender, newest first, at most max.
func TestWritten(t *testing.T) {
	dir := t.TempDir()
	o, err := outbox.Open(dir, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	env := func(i int) []byte {
		b, err := outbox.EncodeEvent(&sentry.Event{EventID: sentry.EventID(fmt.Sprintf("%032d", i))}, "https://h/1")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if _, err := o.Write(fmt.Sprintf("%032d", 0), "https://h/1", env(0)); err != nil {
		t.Fatal(err)
	}
	from := time.Now()
	for i := 1; i <= 3; i++ {
		if _, err := o.Write(fmt.Sprintf("%032d", i), "https://h/1", env(i)); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := o.Claim("https://h/1"); err != nil || c == nil { // the oldest, 0, is claimed: outside the window anyway
		t.Fatalf("claim: %v %v", c, err)
	}
	c, err := o.Claim("https://h/1") // 1 is claimed, inside the window
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	ids := func(envs [][]byte) []string {
		var out []string
		for _, b := range envs {
			e, err := outbox.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e.EventID()[29:])
		}
		return out
	}
	to := time.Now().Add(time.Second)
	if diff := cmp.Diff([]string{"003", "002", "001"}, ids(outbox.Written(dir, from, to, 10))); diff != "" {
		t.Errorf("written in the window (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"003", "002"}, ids(outbox.Written(dir, from, to, 2))); diff != "" {
		t.Errorf("at most 2 (-want +got):\n%s", diff)
	}
	if got := outbox.Written(dir, to, to.Add(time.Hour), 10); len(got) != 0 {
		t.Errorf("after the window: %d envelopes", len(got))
	}
}
