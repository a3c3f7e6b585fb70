package delivery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// MaxEventBytes is Relay's default limit on one event's payload
// (max_event_size, 1 MiB): an envelope whose event is larger is refused
// with 413. Events are made to fit before they are written.
const MaxEventBytes = 1 << 20

// cut is one step of making an event smaller; each step keeps less than the
// one before it. What goes first is what a support engineer misses least:
// other goroutines' stacks, then old breadcrumbs and the middle of very deep
// stacks, then long text.
type cut struct {
	maxString      int // bytes of one string value
	maxFrames      int // frames of one stack (innermost kept first)
	maxBreadcrumbs int // newest kept
	dropThreads    bool
	dropExtras     bool // modules, debug_meta, extra
	dropContext    bool // the request's headers, contexts other than trace, tags other than code
}

var cuts = []cut{
	{maxString: 16 << 10, maxFrames: 250, maxBreadcrumbs: 100},
	{maxString: 8 << 10, maxFrames: 100, maxBreadcrumbs: 50, dropThreads: true},
	{maxString: 2 << 10, maxFrames: 50, maxBreadcrumbs: 20, dropThreads: true, dropExtras: true},
	{maxString: 512, maxFrames: 30, maxBreadcrumbs: 5, dropThreads: true, dropExtras: true},
	{maxString: 128, maxFrames: 16, maxBreadcrumbs: 0, dropThreads: true, dropExtras: true},
	{maxString: 128, maxFrames: 8, maxBreadcrumbs: 0, dropThreads: true, dropExtras: true, dropContext: true},
	{maxString: 64, maxFrames: 4, maxBreadcrumbs: 0, dropThreads: true, dropExtras: true, dropContext: true},
}

// Shrink returns env with its event cut down until the whole envelope is at
// most limit bytes, and true; or env unchanged and false when even the
// smallest cut does not fit (or env has no event to cut). Items other than
// the event are kept as they are.
func Shrink(env []byte, limit int) ([]byte, bool) {
	if len(env) <= limit {
		return env, true
	}
	return shrink(env, func(out []byte, _ int) bool { return len(out) <= limit })
}

// ShrinkEvent returns env with its event item cut down to at most limit
// bytes, and true; or env unchanged and false when even the smallest cut
// does not fit (or env has no event). Other items, attachments among
// them, are kept as they are: Relay's max_event_size applies to the event
// alone.
func ShrinkEvent(env []byte, limit int) ([]byte, bool) {
	if len(env) <= limit {
		return env, true
	}
	e, err := outbox.Parse(env)
	if err != nil {
		return env, false
	}
	if idx := eventIndex(e); idx < 0 || len(e.Items[idx].Payload) <= limit {
		return env, idx >= 0
	}
	return shrink(env, func(_ []byte, event int) bool { return event <= limit })
}

// ShrinkStep returns env made smaller by the next step, and true; or env
// and false when no step makes it at least a tenth smaller. After a 413,
// whose limit Relay does not say, the sender tries each step in turn. The
// first step, for an envelope with attachments, leaves them all out and
// says so on the event (the context "attachments"); the next ones cut the
// event.
func ShrinkStep(env []byte) ([]byte, bool) {
	if out, ok := DropAttachments(env, "Sentry answered 413 (too large)"); ok {
		return out, true
	}
	return shrink(env, func(out []byte, _ int) bool { return len(out) <= len(env)-len(env)/10 })
}

// AttachmentsContext is the event context that names the attachments left
// out of an event, and why.
const AttachmentsContext = "attachments"

// DropAttachments returns env without its attachment items, its event
// carrying the context "attachments" with the files left out ("left_out",
// each "name (size bytes)") and reason; false when env has no attachment
// or no event that can be decoded.
func DropAttachments(env []byte, reason string) ([]byte, bool) {
	e, err := outbox.Parse(env)
	if err != nil {
		return env, false
	}
	idx := eventIndex(e)
	if idx < 0 {
		return env, false
	}
	var left []string
	items := make([]outbox.Item, 0, len(e.Items))
	for _, it := range e.Items {
		if it.Header["type"] == "attachment" {
			name, _ := it.Header["filename"].(string)
			left = append(left, fmt.Sprintf("%s (%d bytes)", name, len(it.Payload)))
			continue
		}
		items = append(items, it)
	}
	if len(left) == 0 {
		return env, false
	}
	ev, ok := decodeEventMap(e.Items[idx].Payload)
	if !ok {
		return env, false
	}
	ctxs, _ := ev["contexts"].(map[string]any)
	if ctxs == nil {
		ctxs = map[string]any{}
		ev["contexts"] = ctxs
	}
	note, _ := ctxs[AttachmentsContext].(map[string]any)
	if note == nil {
		note = map[string]any{}
	}
	if prev, ok := note["left_out"].([]any); ok { // left out earlier (by the outbox's bound): first
		var earlier []string
		for _, p := range prev {
			if s, ok := p.(string); ok {
				earlier = append(earlier, s)
			}
		}
		left = append(earlier, left...)
	}
	note["left_out"] = left
	note["reason"] = reason
	ctxs[AttachmentsContext] = note
	payload, err := json.Marshal(ev)
	if err != nil {
		return env, false
	}
	for i, it := range items {
		if it.Header["type"] == "event" {
			items[i] = outbox.Item{Header: withoutLength(it.Header), Payload: payload}
		} else {
			items[i].Header = withoutLength(it.Header)
		}
	}
	out, err := outbox.Encode(e.Header, items...)
	if err != nil {
		return env, false
	}
	return out, true
}

func withoutLength(h map[string]any) map[string]any {
	c := make(map[string]any, len(h))
	for k, v := range h {
		if k != "length" {
			c[k] = v
		}
	}
	return c
}

func eventIndex(e *outbox.Envelope) int {
	for i, it := range e.Items {
		if it.Header["type"] == "event" {
			return i
		}
	}
	return -1
}

func decodeEventMap(payload []byte) (map[string]any, bool) {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil || ev == nil {
		return nil, false
	}
	return ev, true
}

// shrink applies the cuts in turn until one gives an envelope that is
// good (given the envelope and its event's size).
func shrink(env []byte, good func(out []byte, event int) bool) ([]byte, bool) {
	e, err := outbox.Parse(env)
	if err != nil {
		return env, false
	}
	idx := eventIndex(e)
	if idx < 0 {
		return env, false
	}
	ev, ok := decodeEventMap(e.Items[idx].Payload)
	if !ok {
		return env, false
	}
	for _, c := range cuts {
		apply(ev, c)
		payload, err := json.Marshal(ev)
		if err != nil {
			return env, false
		}
		items := append([]outbox.Item(nil), e.Items...)
		items[idx] = outbox.Item{Header: withoutLength(items[idx].Header), Payload: payload} // Encode sets the length
		out, err := outbox.Encode(e.Header, items...)
		if err != nil {
			return env, false
		}
		if good(out, len(payload)) {
			return out, true
		}
	}
	return env, false
}

// apply cuts ev (an event decoded as JSON) in place.
func apply(ev map[string]any, c cut) {
	if c.dropThreads {
		delete(ev, "threads")
	} else {
		for _, th := range values(ev["threads"]) {
			cutStack(th, c.maxFrames)
		}
	}
	if c.dropExtras {
		delete(ev, "modules")
		delete(ev, "debug_meta")
		delete(ev, "extra")
	}
	if c.dropContext {
		if req, ok := ev["request"].(map[string]any); ok {
			delete(req, "headers")
		}
		if ctx, ok := ev["contexts"].(map[string]any); ok {
			for k := range ctx {
				if k != "trace" {
					delete(ctx, k)
				}
			}
		}
		if tags, ok := ev["tags"].(map[string]any); ok {
			for k := range tags {
				if k != "code" {
					delete(tags, k)
				}
			}
		}
	}
	for _, ex := range values(ev["exception"]) {
		cutStack(ex, c.maxFrames)
	}
	switch b := ev["breadcrumbs"].(type) {
	case []any:
		ev["breadcrumbs"] = newest(b, c.maxBreadcrumbs)
	case map[string]any:
		if vs, ok := b["values"].([]any); ok {
			b["values"] = newest(vs, c.maxBreadcrumbs)
		}
	}
	walk(ev, c.maxString, 0)
}

// values returns the list of an interface that Sentry accepts either as a
// list or as {"values": [...]}.
func values(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		vs, _ := v["values"].([]any)
		return vs
	}
	return nil
}

// cutStack keeps at most n frames of the stacktrace of an exception or
// thread: the innermost three quarters and the outermost quarter, since
// Sentry's frames run outermost first and the innermost say where it broke.
func cutStack(v any, n int) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	st, ok := m["stacktrace"].(map[string]any)
	if !ok {
		return
	}
	frames, ok := st["frames"].([]any)
	if !ok || len(frames) <= n {
		return
	}
	outer := n / 4
	kept := append(append([]any(nil), frames[:outer]...), frames[len(frames)-(n-outer):]...)
	st["frames"] = kept
}

func newest(b []any, n int) []any {
	if len(b) <= n {
		return b
	}
	return b[len(b)-n:]
}

// walk truncates every string longer than max, at a rune boundary.
func walk(v any, max, depth int) any {
	if depth > 64 {
		return nil
	}
	switch v := v.(type) {
	case string:
		return truncate(v, max)
	case map[string]any:
		for k, x := range v {
			v[k] = walk(x, max, depth+1)
		}
	case []any:
		for i, x := range v {
			v[i] = walk(x, max, depth+1)
		}
	}
	return v
}

// truncate cuts s to at most max bytes, marking the cut with "…".
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut < 0 {
		cut = 0
	}
	return s[:cut] + "…"
}
