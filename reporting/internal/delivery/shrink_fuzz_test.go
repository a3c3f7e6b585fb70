package delivery

import (
	"testing"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// FuzzDropAttachments: whatever an outbox file holds, DropAttachments and
// ShrinkEvent never panic; an envelope DropAttachments returns parses,
// keeps its event and has no attachment left.
func FuzzDropAttachments(f *testing.F) {
	ev := sentry.NewEvent()
	ev.EventID = "0123456789abcdef0123456789abcdef"
	ev.Attachments = []*sentry.Attachment{
		{Filename: "a.txt", ContentType: "text/plain", Payload: []byte("line\nline\n")},
		{Filename: "b.out", Payload: []byte{0, 1, '\n', 2}},
	}
	env, err := outbox.EncodeEvent(ev, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env)
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":2}\nab\n"))
	f.Add([]byte("{}\n{\"type\":\"event\"}\n{\"contexts\":{\"attachments\":{\"left_out\":[1,\"x\"]}}}\n{\"type\":\"attachment\"}\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ShrinkEvent(data, 64)
		out, ok := DropAttachments(data, "fuzz")
		if !ok {
			return
		}
		e, err := outbox.Parse(out)
		if err != nil {
			t.Fatalf("DropAttachments returned an envelope that does not parse: %v\n%q", err, out)
		}
		events := 0
		for _, it := range e.Items {
			switch it.Header["type"] {
			case "attachment":
				t.Fatalf("an attachment is left:\n%q", out)
			case "event":
				events++
			}
		}
		if events == 0 {
			t.Fatalf("the event is gone:\n%q", out)
		}
	})
}
