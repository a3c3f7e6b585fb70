package reportingtest

import (
	"bytes"
	"testing"
)

// FuzzParseEnvelope: whatever a client sends, the parser returns an
// envelope or an error, never panics, and every event it returns carries
// the envelope's event_id.
func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{\"event_id\":\"a\"}\n{\"type\":\"event\",\"length\":16}\n{\"event_id\":\"a\"}\n"))
	f.Add([]byte("{\"event_id\":\"a\"}\n{\"type\":\"event\"}\n{\"event_id\":\"a\"}"))
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":3,\"filename\":\"f\"}\nabc\n"))
	f.Add([]byte("{\"event_id\":\"a\"}\n{\"type\":\"event\",\"length\":-1}\n"))
	f.Add([]byte("{\"event_id\":\"a\"}\n{\"type\":\"event\",\"length\":1e300}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := parseEnvelope(b)
		if err != nil {
			return
		}
		id, _ := env.header["event_id"].(string)
		for _, ev := range env.events {
			if string(ev.EventID) != id {
				t.Fatalf("event %q in an envelope for %q", ev.EventID, id)
			}
		}
		for _, a := range env.attachments {
			if len(a.Data) > 0 && !bytes.Contains(b, a.Data) {
				t.Fatalf("attachment data %q is not in the input", a.Data)
			}
		}
	})
}
