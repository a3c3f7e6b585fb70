package tracing

import (
	"context"
	"encoding/hex"
	"log/slog"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// SlogHandler returns a [slog.Handler] that adds the attributes that tie a
// log record to the span in its context, with the keys and formats of
// [LogFields] (the zap path), then hands the record to next:
//
//	{"time":"...","level":"INFO","msg":"order loaded","order_id":"o-1",
//	 "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01"}
//
// Log with a context (slog.InfoContext, Logger.LogAttrs) for the IDs to be
// found: a record whose context carries no valid span context goes to next
// unchanged, without allocating. With one, the three strings cost one
// allocation.
//
// The IDs stay at the top level of the record whatever groups are open
// (logger.WithGroup("request")), where log pipelines and trace viewers look
// for them: a record logged through a group is then handed to next as the
// same attributes nested in the same groups, after the IDs. Wrap the
// handler before opening groups on it; groups opened on next itself enclose
// the IDs too.
//
// The name follows net/http's TimeoutHandler and MaxBytesHandler: a
// function that wraps a handler and is named after the handler it returns.
// Wrapping twice adds the IDs once; a nil next discards every record (a
// nil logger means no log output).
func SlogHandler(next slog.Handler) slog.Handler {
	if next == nil {
		return slog.DiscardHandler
	}
	if h, ok := next.(*slogHandler); ok {
		return h
	}
	return &slogHandler{next: next, base: next}
}

// slogHandler keeps two views of the wrapped handler: next, with every
// WithAttrs and WithGroup applied, for records without a span; and base,
// with only what came before the first group, for records with one, whose
// groups it rebuilds as group attributes after the IDs. Its fields never
// change once made, so one handler serves any number of goroutines.
type slogHandler struct {
	next   slog.Handler
	base   slog.Handler
	groups []slogGroup // opened on this handler after base, outermost first
}

// slogGroup is a group opened with WithGroup and the attributes added with
// WithAttrs while it was the innermost.
type slogGroup struct {
	name  string
	attrs []slog.Attr
}

var _ slog.Handler = (*slogHandler)(nil)

func (h *slogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *slogHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.next.Handle(ctx, r)
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return h.next.Handle(ctx, r)
	}
	ids := traceAttrs(sc)
	if len(h.groups) == 0 {
		// A handler may add to the record it is given, but a copy made
		// without Clone would share its spare capacity with others.
		r = r.Clone()
		r.AddAttrs(ids[:]...)
		return h.next.Handle(ctx, r)
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(ids[:]...)
	content := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		content = append(content, a)
		return true
	})
	for i := len(h.groups) - 1; i >= 0; i-- {
		g := h.groups[i]
		as := make([]slog.Attr, 0, len(g.attrs)+len(content))
		as = append(append(as, g.attrs...), content...)
		// A group without attributes is left out by handlers, as
		// slog.Handler's contract asks for an empty WithGroup.
		content = []slog.Attr{{Key: g.name, Value: slog.GroupValue(as...)}}
	}
	nr.AddAttrs(content...)
	return h.base.Handle(ctx, nr)
}

func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := &slogHandler{next: h.next.WithAttrs(attrs), base: h.base}
	if len(h.groups) == 0 {
		h2.base = h2.next
		return h2
	}
	h2.groups = slices.Clone(h.groups)
	last := &h2.groups[len(h2.groups)-1]
	last.attrs = append(slices.Clip(last.attrs), attrs...)
	return h2
}

func (h *slogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &slogHandler{
		next:   h.next.WithGroup(name),
		base:   h.base,
		groups: append(slices.Clip(h.groups), slogGroup{name: name}),
	}
}

// traceAttrs returns trace_id, span_id and trace_flags as LogFields writes
// them, in lower-case hexadecimal, sharing one string.
func traceAttrs(sc trace.SpanContext) [3]slog.Attr {
	const idEnd, spanEnd = 32, 48
	var buf [spanEnd + 2]byte
	tid, sid := sc.TraceID(), sc.SpanID()
	hex.Encode(buf[:idEnd], tid[:])
	hex.Encode(buf[idEnd:spanEnd], sid[:])
	hex.Encode(buf[spanEnd:], []byte{byte(sc.TraceFlags())})
	s := string(buf[:])
	return [3]slog.Attr{
		slog.String(TraceIDKey, s[:idEnd]),
		slog.String(SpanIDKey, s[idEnd:spanEnd]),
		slog.String(TraceFlagsKey, s[spanEnd:]),
	}
}
