package reporting

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/getsentry/sentry-go"
)

// Envelope is a Sentry envelope: a JSON header line followed by items,
// each a JSON header line and a payload. An event envelope, as the outbox
// stores it, looks like this:
//
//	{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sent_at":"2026-11-24T05:00:00Z","sdk":{"name":"sentry.go","version":"0.50.0"}}
//	{"type":"event","length":1234}
//	{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"error","exception":[...],...}
type Envelope struct {
	Header map[string]any
	Items  []EnvelopeItem
}

// EnvelopeItem is one item of an [Envelope].
type EnvelopeItem struct {
	Header  map[string]any
	Payload []byte
}

// EventID returns the event_id of the envelope's header, or "".
func (e *Envelope) EventID() string {
	id, _ := e.Header["event_id"].(string)
	return id
}

// Events decodes the payloads of the envelope's "event" items.
func (e *Envelope) Events() ([]*sentry.Event, error) {
	var out []*sentry.Event
	for _, it := range e.Items {
		if it.Header["type"] != "event" {
			continue
		}
		var ev sentry.Event
		if err := json.Unmarshal(it.Payload, &ev); err != nil {
			return out, err
		}
		out = append(out, &ev)
	}
	return out, nil
}

// EncodeEvent returns the envelope of one event, as it is sent to Sentry
// and kept in the outbox.
func EncodeEvent(ev *sentry.Event) ([]byte, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	header, err := json.Marshal(struct {
		EventID sentry.EventID    `json:"event_id"`
		SentAt  time.Time         `json:"sent_at"`
		Sdk     map[string]string `json:"sdk,omitempty"`
	}{ev.EventID, time.Now().UTC(), map[string]string{"name": ev.Sdk.Name, "version": ev.Sdk.Version}})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(header) + len(payload) + 64)
	b.Write(header)
	b.WriteString("\n{\"type\":\"event\",\"length\":")
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteString("}\n")
	b.Write(payload)
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// ParseEnvelope decodes an envelope. Items with a "length" are read by
// length; others end at the next newline, as the format says.
func ParseEnvelope(data []byte) (*Envelope, error) {
	line, rest, _ := bytes.Cut(data, []byte{'\n'})
	env := &Envelope{}
	if err := json.Unmarshal(line, &env.Header); err != nil || env.Header == nil {
		return nil, errors.New("reporting: envelope: bad header line")
	}
	for len(bytes.TrimSpace(rest)) > 0 {
		var it EnvelopeItem
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		if err := json.Unmarshal(line, &it.Header); err != nil || it.Header == nil {
			return nil, errors.New("reporting: envelope: bad item header")
		}
		if l, ok := it.Header["length"].(float64); ok {
			n := int(l)
			if l < 0 || float64(n) != l || n > len(rest) {
				return nil, errors.New("reporting: envelope: bad item length")
			}
			it.Payload, rest = rest[:n], rest[n:]
			if len(rest) > 0 && rest[0] == '\n' {
				rest = rest[1:]
			}
		} else {
			it.Payload, rest, _ = bytes.Cut(rest, []byte{'\n'})
		}
		env.Items = append(env.Items, it)
	}
	return env, nil
}
