package reporting

import (
	"context"
	"fmt"
	"runtime"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/reporting/internal/delivery"
)

// Attachments are files that go with an event: Sentry shows them on the
// event's page and offers them for download. A flight recorder's snapshot
// (package flightrec's *Snapshot) is one; so is anything with this method.
// EachAttachment calls add for each file, in the order they should be
// kept when not all of them fit (see [WithSnapshots]).
type Attachments interface {
	EachAttachment(add func(filename, contentType string, data []byte))
}

// WithSnapshots sets where the attachments of a recovered panic come from:
// when the reporter reports a panic (the middleware's, or one in
// [Reporter.Go]) that storm control lets through, it calls
// fn("panic", reason), with reason "panic in GET /orders/{id}" (the route)
// or "panic in a goroutine", and attaches what fn returns to the panic's
// event. fn runs on the goroutine that panicked, before the event is kept
// and the client answered, so that the snapshot shows that goroutine; it
// must be cheap when it has nothing to give (a flight recorder's rate
// limit: return nil at once). A nil fn, like the default, attaches
// nothing. [Reporter.CaptureWith] and [Reporter.CaptureMessage] attach
// files to other events.
//
// An event's attachments are kept with it in the outbox and delivered
// with it, in one envelope. They are bounded with it: an envelope may
// take at most a quarter of the outbox's bound (at least 1 MiB, at most
// 100 MiB, Sentry's limit for attachments), so that one snapshot never
// evicts more than a quarter of the backlog. Attachments that do not fit
// are left out, in order (a large one is left out and the smaller ones
// after it kept), never the event; the event then carries the context
// "attachments" with the files left out and why ({"left_out": ["trace-
// 20261130T073907Z.out (20971520 bytes)"], "reason": "..."}). Sentry
// answering 413 leaves them all out the same way before the event is cut.
func WithSnapshots(fn func(kind, reason string) Attachments) Option {
	return func(c *config) { c.snapshots = fn }
}

// CaptureWith is [Reporter.Capture] with files attached to the event:
// attach is called once storm control has let the event through, on the
// caller's goroutine, and what it returns goes with the event (nil: no
// files). An occurrence that storm control holds back never calls attach,
// so a storm costs no attachment work.
//
//go:noinline
func (r *Reporter) CaptureWith(ctx context.Context, err error, attach func() Attachments) string {
	return r.capture(ctx, err, 1, attach)
}

// CaptureMessage reports an event that is not an error, titled message,
// at level (a slow request at warning: "slow request: GET /orders/{id}
// took 2.4s"), with the trace of the span in ctx, the request's data and
// the breadcrumbs of the hub in ctx, and what attach returns as its
// files (see [Reporter.CaptureWith]). Events of one message, its numbers
// replaced, are one issue and are storm-controlled together. It returns
// the event ID, or "" when storm control held it back. Build message from
// routes and figures, not from request data: it is the event's title.
//
//go:noinline
func (r *Reporter) CaptureMessage(ctx context.Context, level sentry.Level, message string, attach func() Attachments) string {
	if r == nil {
		return ""
	}
	norm := normalizeMessage(message)
	ok, suppressed := r.storm.take(stormKey{"message: " + norm, 0})
	if !ok {
		return ""
	}
	var pcs [maxFrames]uintptr
	n := runtime.Callers(2, pcs[:])
	j := &job{kind: kindLog, message: message, level: level, suppressed: suppressed}
	j.pcs = append([]uintptr(nil), pcs[:n]...)
	r.fill(ctx, j)
	j.attachments = collect(attach)
	r.enqueue(item{job: j})
	return j.id
}

// collect calls attach, if any, and copies out its files.
func collect(attach func() Attachments) []*sentry.Attachment {
	if attach == nil {
		return nil
	}
	a := attach()
	if a == nil {
		return nil
	}
	var out []*sentry.Attachment
	a.EachAttachment(func(filename, contentType string, data []byte) {
		out = append(out, &sentry.Attachment{Filename: filename, ContentType: contentType, Payload: data})
	})
	return out
}

// Bounds of one event's envelope with its attachments.
const (
	minEnvelopeBytes = 1 << 20   // what an event alone may need
	maxEnvelopeBytes = 100 << 20 // Sentry's limit on an event's attachments
)

// envelopeLimit is the most one event's envelope may hold with its
// attachments, for an outbox bounded at outboxBytes.
func envelopeLimit(outboxBytes int64) int64 {
	return min(outboxBytes, max(minEnvelopeBytes, min(outboxBytes/4, maxEnvelopeBytes)))
}

// fitAttachments leaves out of ev the attachments that would take its
// envelope past limit, given the envelope's size without them, and notes
// them on the event.
func fitAttachments(ev *sentry.Event, base int, limit int64) {
	if len(ev.Attachments) == 0 {
		return
	}
	const itemOverhead = 160 // an attachment's item header
	room := limit - int64(base)
	kept := ev.Attachments[:0:0]
	var left []string
	for _, a := range ev.Attachments {
		if a == nil {
			continue
		}
		need := int64(len(a.Payload)+len(a.Filename)+len(a.ContentType)) + itemOverhead
		if need > room {
			left = append(left, fmt.Sprintf("%s (%d bytes)", a.Filename, len(a.Payload)))
			continue
		}
		room -= need
		kept = append(kept, a)
	}
	ev.Attachments = kept
	if len(left) > 0 {
		if ev.Contexts == nil {
			ev.Contexts = map[string]sentry.Context{}
		}
		ev.Contexts[delivery.AttachmentsContext] = sentry.Context{
			"left_out": left,
			"reason":   fmt.Sprintf("the event with its attachments would exceed %d bytes, the most one event may take of the outbox", limit),
		}
	}
}
