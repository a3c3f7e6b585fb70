package reporting

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportkit/supportkit/errorsx"
)

// EventIDAttribute is the span attribute that names the Sentry event of a
// failed request.
const EventIDAttribute = "sentry.event_id"

// Middleware gives each request a context of its own, with its own hub
// (breadcrumbs, user and tags never leak from one request into another),
// and recovers a panic of any value in next: it reports the panic with the
// stack of the panic site and the request (scrubbed), marks the active
// otel span as failed with the event ID as the attribute
// [EventIDAttribute], and answers 500 application/problem+json with the
// event ID as the reference ID. http.ErrAbortHandler is let through, as
// net/http expects. A panic after the response has started (its header or
// body written, flushed or hijacked) is reported and logged as well, but
// answered by aborting the connection (panicking with
// http.ErrAbortHandler) rather than writing a second response into the
// first.
//
// The handler gets a writer that remembers whether the response has
// started; it keeps the optional interfaces of net/http's own
// (http.Flusher, http.Hijacker, io.ReaderFrom, http.Pusher) and unwraps
// for http.ResponseController.
//
// The route comes back up: next gets a copy of the request (with the
// request's own context), on which an http.ServeMux sets Pattern; once
// next returns, or panics, that Pattern is copied onto the request the
// middleware received, as ServeMux itself does to the request it is
// given. An outer tracing or metrics middleware then reads the route
// (r.Pattern, "GET /orders/{id}") after its own next returns, for a
// request that panicked too.
//
// Place it inside the tracing middleware, so that the span exists when a
// panic is reported. A request that does not panic costs two small
// allocations.
func (r *Reporter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, outer *http.Request) {
		rc := &requestContext{Context: outer.Context(), r: r}
		// The context keeps the request it hands down: the mux sets the
		// route (Pattern) on that one, and events name their transaction
		// after it.
		req := outer.WithContext(rc)
		rc.req = req
		rc.w.ResponseWriter = w
		defer func() {
			outer.Pattern = req.Pattern
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // net/http compares it so too
					panic(v)
				}
				r.recoverRequest(rc, w, req, v)
			}
		}()
		next.ServeHTTP(&rc.w, req)
	})
}

func (r *Reporter) recoverRequest(rc *requestContext, w http.ResponseWriter, req *http.Request, v any) {
	var pcs [maxFrames + 16]uintptr
	n := runtime.Callers(1, pcs[:])
	if !rc.w.started {
		rc.w.status.Store(http.StatusInternalServerError) // the answer written below
	}
	// Kept before the answer goes out: the reference the client is given
	// is on disk even if the process is killed a moment later. Panics are
	// rare and storm-limited, so the request's goroutine can pay for it.
	site := panicStack(pcs[:n])
	id := r.capturePanic(rc, v, site, true)
	span := trace.SpanFromContext(rc)
	ref := id
	if ref == "" && span.SpanContext().HasTraceID() {
		ref = span.SpanContext().TraceID().String()
	}
	err, _ := v.(error)
	if err == nil {
		err = errors.New(panicText(v))
	}
	r.markPanicSpan(span, v, site, id)
	r.logPanic(rc, "panic in HTTP handler", id, v, zap.String("method", req.Method), zap.String("path", r.scrub.path(req.URL.Path)))
	if rc.w.started {
		// A second response would be written into the first. Abort the
		// connection instead, as net/http does for a panic it sees, so
		// that the client cannot take a partial body for a whole one.
		panic(http.ErrAbortHandler)
	}
	errorsx.WriteProblem(w, req, errorsx.Internal.Wrap(err, ""), ref)
}

// markPanicSpan marks span as failed by the panic v whose stack is site,
// with the event ID id (may be "") as [EventIDAttribute].
func (r *Reporter) markPanicSpan(span trace.Span, v any, site []uintptr, id string) {
	if !span.IsRecording() {
		return
	}
	// The exception event RecordError would make, with the text scrubbed
	// as the Sentry event's is.
	text := r.scrub.value(panicText(v))
	span.AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.type", "panic"),
		attribute.String("exception.message", text),
		attribute.String("exception.stacktrace", stackText(site))))
	span.SetStatus(codes.Error, "panic: "+text)
	if id != "" {
		span.SetAttributes(attribute.String(EventIDAttribute, id))
	}
}

// logPanic writes the one log line of a recovered panic, with the event ID
// and the trace of the span in ctx, so that the line, the report and the
// trace lead to each other.
func (r *Reporter) logPanic(ctx context.Context, msg, id string, v any, extra ...zap.Field) {
	fields := append([]zap.Field{zap.String(EventIDKey, id), zap.String("panic", r.scrub.value(panicText(v)))}, extra...)
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		fields = append(fields, zap.String("trace_id", sc.TraceID().String()), zap.String("span_id", sc.SpanID().String()))
	}
	r.log.Error(msg, fields...)
}

// capturePanic reports a recovered panic whose stack (from the panic site
// outwards) is pcs.
// When persist is true the event is built and delivered (or written to the
// outbox) before capturePanic returns, because the process is about to die.
func (r *Reporter) capturePanic(ctx context.Context, v any, pcs []uintptr, persist bool) string {
	j := &job{kind: kindPanic, panicValue: v, level: sentry.LevelFatal}
	j.pcs = append([]uintptr(nil), pcs...)
	var pc uintptr
	if len(pcs) > 0 {
		pc = pcs[0]
	}
	ok, suppressed := r.storm.take(stormKey{"panic", pc})
	if !ok {
		return ""
	}
	j.suppressed = suppressed
	r.fill(ctx, j)
	if r.cfg.snapshots != nil {
		// On the goroutine that panicked, before the event is kept: its
		// stack is still in the goroutine dump. Rate-limited by the
		// snapshot source, so a storm of panics costs no snapshots.
		reason := "panic in a goroutine"
		if j.req != nil {
			if t := j.req.transaction(); t != "" {
				reason = "panic in " + t
			}
		}
		fn := r.cfg.snapshots
		j.attachments = collect(func() Attachments { return fn("panic", reason) })
	}
	if persist {
		r.persist(j)
	} else {
		r.enqueue(item{job: j})
	}
	return j.id
}

// stackText prints return addresses (innermost first) as Go prints a
// goroutine's stack, for a span's exception.stacktrace: function names,
// files and lines, no argument values (which could hold personal data).
func stackText(pcs []uintptr) string {
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" && f.Function != "runtime.goexit" {
			b.WriteString(f.Function)
			b.WriteString("\n\t")
			b.WriteString(f.File)
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(f.Line))
			b.WriteByte('\n')
		}
		if !more {
			break
		}
	}
	return b.String()
}
