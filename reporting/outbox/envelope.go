package outbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
)

// DestinationKey is the envelope header key that names the project an
// envelope was captured for (see [Destination]). Sentry ignores header
// keys it does not know.
const DestinationKey = "supportkit_destination"

// Envelope is a Sentry envelope: a JSON header line followed by items,
// each a JSON header line and a payload. An event envelope, as
// [EncodeEvent] writes it, looks like this:
//
//	{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sdk":{"name":"sentry.go","version":"0.50.0"},"supportkit_destination":"https://o1.ingest.sentry.io/42"}
//	{"length":1234,"type":"event"}
//	{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"error","exception":[...],...}
//
// The header has no sent_at: [StampSentAt] adds it when a send is
// attempted.
type Envelope struct {
	Header map[string]any
	Items  []Item
}

// Item is one item of an [Envelope]: its header (with "type" and, as
// [Encode] writes it, "length") and its payload.
type Item struct {
	Header  map[string]any
	Payload []byte
}

// EventID returns the event_id of the envelope's header, or "".
func (e *Envelope) EventID() string {
	id, _ := e.Header["event_id"].(string)
	return id
}

// Destination returns the destination of the envelope's header (the
// [DestinationKey]), or "" if it has none: a local envelope.
func (e *Envelope) Destination() string {
	d, _ := e.Header[DestinationKey].(string)
	return d
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
			return out, errors.New("outbox: envelope: event item is not a JSON event")
		}
		out = append(out, &ev)
	}
	return out, nil
}

var (
	errBadHeader     = errors.New("outbox: envelope: bad header line")
	errBadItemHeader = errors.New("outbox: envelope: bad item header")
	errBadItemLength = errors.New("outbox: envelope: bad item length")
)

// Parse decodes an envelope. Items with a "length" are read by length
// (a length that is not a whole number of bytes within data is an error);
// others end at the next newline, as the envelope format says. The
// payloads share data's memory. Parse never panics, whatever data holds.
func Parse(data []byte) (*Envelope, error) {
	line, rest, _ := bytes.Cut(data, []byte{'\n'})
	env := &Envelope{}
	if err := json.Unmarshal(line, &env.Header); err != nil || env.Header == nil {
		return nil, errBadHeader
	}
	for len(bytes.TrimSpace(rest)) > 0 {
		var it Item
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		if err := json.Unmarshal(line, &it.Header); err != nil || it.Header == nil {
			return nil, errBadItemHeader
		}
		if l, ok := it.Header["length"].(float64); ok {
			if l < 0 || l > float64(len(rest)) || l != float64(int(l)) {
				return nil, errBadItemLength
			}
			n := int(l)
			it.Payload, rest = rest[:n], rest[n:]
			if len(rest) > 0 && rest[0] == '\n' {
				rest = rest[1:]
			}
		} else if _, present := it.Header["length"]; present {
			return nil, errBadItemLength
		} else {
			it.Payload, rest, _ = bytes.Cut(rest, []byte{'\n'})
		}
		env.Items = append(env.Items, it)
	}
	return env, nil
}

// parseHeader decodes only the header line of an envelope.
func parseHeader(data []byte) (map[string]any, error) {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	var h map[string]any
	if err := json.Unmarshal(line, &h); err != nil || h == nil {
		return nil, errBadHeader
	}
	return h, nil
}

// Encode returns the envelope of header and items. Each item's header is
// written with "length" set to its payload's length (the caller's maps are
// not changed), so that payloads may hold newlines, as attachments do. Map
// keys are written sorted.
func Encode(header map[string]any, items ...Item) ([]byte, error) {
	if header == nil {
		header = map[string]any{}
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, errors.New("outbox: envelope: header cannot be encoded: " + err.Error())
	}
	size := len(h) + 1
	heads := make([][]byte, len(items))
	for i, it := range items {
		ih := make(map[string]any, len(it.Header)+1)
		maps.Copy(ih, it.Header)
		ih["length"] = len(it.Payload)
		if heads[i], err = json.Marshal(ih); err != nil {
			return nil, errors.New("outbox: envelope: item header cannot be encoded: " + err.Error())
		}
		size += len(heads[i]) + len(it.Payload) + 2
	}
	b := make([]byte, 0, size)
	b = append(append(b, h...), '\n')
	for i, it := range items {
		b = append(append(b, heads[i]...), '\n')
		b = append(append(b, it.Payload...), '\n')
	}
	return b, nil
}

// EncodeEvent returns the envelope of one event for the project dest (a
// [Destination]; "" for a local envelope that is never sent), as it is
// kept in the outbox: the header holds event_id, sdk and, unless dest is
// "", the [DestinationKey]; no sent_at. The event's Attachments follow
// the event as items of type "attachment", written as sentry-go's own
// transport writes them:
//
//	{"content_type":"text/plain","filename":"snapshot-20261130T073907Z.txt","length":812,"type":"attachment"}
//	flight recorder snapshot ...
//
// (content_type is left out when the attachment has none).
func EncodeEvent(ev *sentry.Event, dest string) ([]byte, error) {
	if ev == nil {
		return nil, errors.New("outbox: EncodeEvent: nil event")
	}
	if strings.Contains(dest, "@") {
		return nil, errors.New("outbox: destination holds credentials: pass Destination(dsn), not the DSN")
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, errors.New("outbox: event cannot be encoded: " + err.Error())
	}
	header := map[string]any{
		"event_id": string(ev.EventID),
		"sdk":      map[string]string{"name": ev.Sdk.Name, "version": ev.Sdk.Version},
	}
	if dest != "" {
		header[DestinationKey] = dest
	}
	items := make([]Item, 0, 1+len(ev.Attachments))
	items = append(items, Item{Header: map[string]any{"type": "event"}, Payload: payload})
	for _, a := range ev.Attachments {
		if a == nil {
			continue
		}
		h := map[string]any{"type": "attachment", "filename": a.Filename}
		if a.ContentType != "" {
			h["content_type"] = a.ContentType
		}
		items = append(items, Item{Header: h, Payload: a.Payload})
	}
	return Encode(header, items...)
}

// Attachments returns the envelope's "attachment" items as Sentry
// attachments; their payloads share the envelope's memory.
func (e *Envelope) Attachments() []*sentry.Attachment {
	var out []*sentry.Attachment
	for _, it := range e.Items {
		if it.Header["type"] != "attachment" {
			continue
		}
		name, _ := it.Header["filename"].(string)
		ct, _ := it.Header["content_type"].(string)
		out = append(out, &sentry.Attachment{Filename: name, ContentType: ct, Payload: it.Payload})
	}
	return out
}

// StampSentAt returns a copy of env whose header line has sent_at set to t
// (RFC 3339 with nanoseconds, UTC), as Sentry expects it on each attempt
// to send. Only the header line is rewritten; the items are copied
// byte for byte. env is not changed.
func StampSentAt(env []byte, t time.Time) ([]byte, error) {
	line, rest, hasRest := bytes.Cut(env, []byte{'\n'})
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber() // keep numbers exactly as written
	var h map[string]any
	if err := dec.Decode(&h); err != nil || h == nil || dec.More() {
		return nil, errBadHeader
	}
	h["sent_at"] = t.UTC().Format(time.RFC3339Nano)
	nh, err := json.Marshal(h)
	if err != nil {
		return nil, errBadHeader
	}
	out := make([]byte, 0, len(nh)+1+len(rest))
	out = append(out, nh...)
	if hasRest {
		out = append(append(out, '\n'), rest...)
	}
	return out, nil
}
