package reportingtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/getsentry/sentry-go"
)

// Attachment is an "attachment" item of a received envelope.
type Attachment struct {
	Filename, ContentType string
	Data                  []byte
}

// envelope is what parseEnvelope finds in a request body.
type envelope struct {
	header      map[string]any
	events      []*sentry.Event
	eventJSON   []json.RawMessage
	attachments []Attachment
}

// parseEnvelope reads Sentry's envelope format on its own, not with
// package reporting's codec, so that what a test checks is the wire:
//
//	{"event_id":"9ec7...","sent_at":"..."}        envelope header
//	{"type":"event","length":1234}                 item header
//	{"event_id":"9ec7...","level":"error",...}     payload: length bytes,
//	                                               or up to the newline
//
// It checks that every event's ID is the envelope's event_id, as Sentry
// does.
func parseEnvelope(b []byte) (*envelope, error) {
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	env := &envelope{}
	if err := json.Unmarshal(line, &env.header); err != nil || env.header == nil {
		return nil, fmt.Errorf("envelope header %.80q is not a JSON object", line)
	}
	items := 0
	for i := 0; len(bytes.TrimSpace(rest)) > 0; i++ {
		items++
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		var ih struct {
			Type        string   `json:"type"`
			Length      *float64 `json:"length"`
			Filename    string   `json:"filename"`
			ContentType string   `json:"content_type"`
		}
		if err := json.Unmarshal(line, &ih); err != nil {
			return nil, fmt.Errorf("item %d: header %.80q is not a JSON object", i, line)
		}
		var payload []byte
		if ih.Length != nil {
			n := int(*ih.Length)
			if *ih.Length < 0 || float64(n) != *ih.Length || n > len(rest) {
				return nil, fmt.Errorf("item %d: length %v does not fit the %d bytes left", i, *ih.Length, len(rest))
			}
			payload, rest = rest[:n], rest[n:]
			if len(rest) > 0 {
				if rest[0] != '\n' {
					return nil, fmt.Errorf("item %d: no newline after its %d bytes", i, n)
				}
				rest = rest[1:]
			}
		} else {
			payload, rest, _ = bytes.Cut(rest, []byte("\n"))
		}
		switch ih.Type {
		case "event":
			var ev sentry.Event
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, fmt.Errorf("item %d: event: %v", i, err)
			}
			if id, _ := env.header["event_id"].(string); string(ev.EventID) != id {
				return nil, fmt.Errorf("item %d: event %q in an envelope for %q", i, ev.EventID, id)
			}
			env.events = append(env.events, &ev)
			env.eventJSON = append(env.eventJSON, json.RawMessage(bytes.Clone(payload)))
		case "attachment":
			env.attachments = append(env.attachments, Attachment{
				Filename: ih.Filename, ContentType: ih.ContentType,
				Data: bytes.Clone(payload),
			})
		case "":
			return nil, fmt.Errorf("item %d: no type", i)
		}
	}
	if items == 0 {
		return nil, errors.New("envelope has no items")
	}
	return env, nil
}
