package reporting

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportkit/supportkit/errorsx"
)

// job is what the caller's goroutine hands to the reporter's goroutine:
// the raw material of one event, gathered cheaply. Symbols are resolved,
// the event assembled and serialised on the reporter's goroutine.
type job struct {
	kind       jobKind
	id         string
	at         time.Time
	err        error
	panicValue any
	message    string
	logger     string
	logFields  map[string]any
	level      sentry.Level
	scope      *sentry.Scope    // the scope of the request's or goroutine's hub, or nil for the base scope
	req        *requestSnapshot // copied on the request's goroutine
	span       trace.SpanContext
	trace      sentry.TraceID // the request's or goroutine's trace when span is not valid; zero for none
	status     int            // the status the client got, 0 when no response was written
	goroutines int            // runtime.NumGoroutine() when captured
	suppressed int64
	pcs        []uintptr // where it was captured or panicked, when err has no stack
	// attachments go with the event (see WithSnapshots, CaptureWith).
	attachments []*sentry.Attachment
}

type jobKind uint8

const (
	kindError jobKind = iota
	kindPanic
	kindLog
)

const maxFrames = 48

func (j *job) hint() *sentry.EventHint {
	h := &sentry.EventHint{OriginalException: j.err}
	if j.kind == kindPanic {
		h.RecoveredException = j.panicValue
	}
	if j.req != nil {
		h.Request = j.req.httpRequest()
	}
	return h
}

// Capture reports err as an event of the request or goroutine in ctx and
// returns its event ID, or "" when nothing is reported (err is nil or a
// typed nil pointer, no reporter is bound to ctx, or storm control held
// it back). It never
// blocks on the network: the event is built and delivered on the
// reporter's goroutine.
//
// An occurrence that storm control holds back returns "" too: it is
// counted ([Stats].Suppressed), and the next event of the same
// fingerprint that goes out carries the count since the last one as the
// context "storm" ({"suppressed": n}). A caller that must always give the
// user a reference (a problem's reference_id) falls back to the trace ID
// of the span in ctx, which still leads to the trace and the log lines:
//
//	ref := reporting.Capture(ctx, err)
//	if ref == "" {
//		ref = trace.SpanContextFromContext(ctx).TraceID().String()
//	}
//
// The event has one exception per layer of err that carries a stack
// (innermost first, as Sentry expects), each titled by its errorsx code
// and valued by its message, secrets redacted; the fingerprint is the code
// and the first in-app function from where the error started (none for an
// error without a stack of its own: Sentry then groups it by its Go type
// and the capture's stack); the tag "code", and "http.status" once the
// request's response was written; the non-secret fields as the context
// "fields"; the user, tags and breadcrumbs of the hub in ctx; and the
// trace context of the span in ctx, or of the request or goroutine.
//
//go:noinline
func Capture(ctx context.Context, err error) string {
	r := reporterFrom(ctx)
	if r == nil {
		return ""
	}
	return r.capture(ctx, err, 1, nil)
}

// Capture is the package-level [Capture] with this reporter, for contexts
// that do not carry one (see [Reporter.Bind]).
//
//go:noinline
func (r *Reporter) Capture(ctx context.Context, err error) string { return r.capture(ctx, err, 1, nil) }

// capture is kept out of line, as are its two callers, so that skip counts
// real frames and the storm key of a call site is always the same.
//
//go:noinline
func (r *Reporter) capture(ctx context.Context, err error, skip int, attach func() Attachments) string {
	if isNilError(err) { // a typed nil too: its Error method would panic on the reporter's goroutine
		return ""
	}
	// Nothing is allocated before storm control has had its say, so that
	// a storm of suppressed captures costs no memory.
	var pcs [maxFrames]uintptr
	npc := 0
	pc := originPC(err)
	if pc == 0 {
		npc = runtime.Callers(skip+2, pcs[:])
		if npc > 0 {
			pc = pcs[0]
		}
	}
	if id, ok := r.storm.held.take(err, false); ok {
		return id // its log line was just reported, or held back and counted
	}
	ok, suppressed := r.storm.take(stormKey{errorsx.CodeOf(err).String(), pc})
	if !ok {
		r.storm.held.put(err, false, "")
		return ""
	}
	j := &job{kind: kindError, err: err, level: sentry.LevelError}
	if npc > 0 {
		j.pcs = append([]uintptr(nil), pcs[:npc]...)
	}
	j.suppressed = suppressed
	r.fill(ctx, j)
	j.attachments = collect(attach)
	r.recent.put(err, j.id)
	r.enqueue(item{job: j})
	return j.id
}

// fill adds what the context knows: ID, time, scope, request, span.
func (r *Reporter) fill(ctx context.Context, j *job) {
	j.id = newEventID()
	j.at = time.Now()
	// The request is copied here, on the goroutine that serves it: the
	// handler may go on changing it while the event is built on the
	// reporter's goroutine, and nothing guards it.
	j.goroutines = runtime.NumGoroutine()
	if ctx == nil {
		return
	}
	j.span = trace.SpanContextFromContext(ctx)
	rc, _ := ctx.Value(requestKey{}).(*requestContext)
	if rc != nil {
		j.req = rc.snapshot()
		j.status = int(rc.w.status.Load())
		if !j.span.IsValid() {
			j.trace = rc.traceID()
		}
	}
	// The scope is not copied: scope.Clone would more than double what a
	// capture costs its caller. The reporter's goroutine reads it through
	// ApplyToEvent, under the scope's own lock, which copies the tags,
	// contexts, user and breadcrumb list; the breadcrumbs themselves are
	// never written after they are added (scrubbing makes new ones). So
	// the event may carry a breadcrumb added a moment after the capture;
	// it never races one. Each request and goroutine has its own scope.
	if rc != nil {
		j.scope = rc.Hub().Scope()
	} else if hub, ok := ctx.Value(sentry.HubContextKey).(*sentry.Hub); ok && hub != r.hub {
		j.scope = hub.Scope()
	}
}

// originPC returns the program counter where err started: the first frame
// of its innermost errorsx layer, or 0 when it has none.
func originPC(err error) uintptr {
	var pc uintptr
	for i := 0; err != nil && i < 100; i++ {
		if e, ok := err.(*errorsx.Error); ok {
			if st := e.StackTrace(); len(st) > 0 {
				pc = st[0]
			}
		}
		err = errors.Unwrap(err)
	}
	return pc
}

// newEventID returns 32 random hex digits. Event IDs need to be unique,
// not secret, so the runtime's fast generator serves.
func newEventID() string {
	var b [16]byte
	a, c := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i], b[8+i] = byte(a>>(8*i)), byte(c>>(8*i))
	}
	b[6] = b[6]&0x0f | 0x40 // a version 4 UUID, as Sentry's own IDs are
	b[8] = b[8]&0x3f | 0x80
	var out [32]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}

// build assembles the event of a job (reporter's goroutine).
func (r *Reporter) build(j *job) *sentry.Event {
	ev := sentry.NewEvent()
	ev.EventID = sentry.EventID(j.id)
	ev.Timestamp = j.at
	ev.Level = j.level
	ev.Attachments = j.attachments
	fallback := j.pcs
	code := errorsx.Internal
	switch j.kind {
	case kindPanic:
		mech := &sentry.Mechanism{Type: "panic", Handled: sentry.Pointer(false)}
		if err, ok := j.panicValue.(error); ok {
			ev.Exception = exceptions(err, fallback, mech)
			if last := &ev.Exception[len(ev.Exception)-1]; last.Type == errorsx.Unknown.String() {
				last.Type = "panic" // a runtime error or a plain error value
			}
			if c := errorsx.CodeOf(err); c != errorsx.Unknown && c.HTTPStatus() >= 500 {
				code = c
			}
		} else {
			ev.Exception = []sentry.Exception{{
				Type:       "panic",
				Value:      panicText(j.panicValue),
				Stacktrace: stacktrace(fallback),
				Mechanism:  mech,
			}}
		}
		r.markInApp(ev)
		if fn := firstInApp(ev.Exception); fn != "" {
			ev.Fingerprint = []string{"panic", fn}
			if re, ok := j.panicValue.(runtime.Error); ok {
				// A nil-map write and a closed channel's close in one
				// function are two bugs; the runtime's text (its
				// numbers replaced) tells them apart.
				ev.Fingerprint = append(ev.Fingerprint, normalizeMessage(re.Error()))
			}
		}
	case kindError, kindLog:
		if j.err != nil {
			code = errorsx.CodeOf(j.err)
			ev.Exception = exceptions(j.err, fallback, &sentry.Mechanism{Type: "generic", Handled: sentry.Pointer(true)})
			r.markInApp(ev)
			if !hasOwnStack(j.err) {
				// Where it started is not known: the stack is where it
				// was captured or logged, which a shared helper makes the
				// same for unrelated failures. Sentry groups by type and
				// stack instead.
				if code == errorsx.Unknown {
					ev.Exception[len(ev.Exception)-1].Type = goType(j.err)
				}
			} else if fn := firstInApp(ev.Exception); fn != "" {
				ev.Fingerprint = []string{code.String(), fn}
			}
		} else if fn := r.firstInAppPC(j.pcs); fn != "" {
			// The logging call site; the message (normalised) tells apart
			// two lines logged by one function.
			ev.Fingerprint = []string{"log", fn, normalizeMessage(j.message)}
		} else {
			ev.Fingerprint = []string{"log", normalizeMessage(j.message)}
		}
		if j.kind == kindLog {
			ev.Message = j.message
			ev.Logger = j.logger
			if len(j.logFields) > 0 {
				ev.Contexts["log"] = j.logFields
			}
		}
	}
	ev.Tags["code"] = code.String()
	if j.status != 0 {
		ev.Tags["http.status"] = strconv.Itoa(j.status)
	}
	ev.Contexts["runtime"] = runtimeContext(j.goroutines)
	if err := j.err; err == nil {
		err, _ = j.panicValue.(error)
		if fs := fieldsContext(err); fs != nil {
			ev.Contexts["fields"] = fs
		}
	} else if fs := fieldsContext(err); fs != nil {
		ev.Contexts["fields"] = fs
	}
	// Every event has a trace context of its own work: the span's, the
	// request's or goroutine's, or a new one; never the base hub's, which
	// would link every event of the process.
	switch {
	case j.span.IsValid():
		ev.Contexts["trace"] = sentry.Context{
			"trace_id": j.span.TraceID().String(),
			"span_id":  j.span.SpanID().String(),
		}
	default:
		tid := j.trace
		if tid == (sentry.TraceID{}) {
			tid = newTraceID()
		}
		ev.Contexts["trace"] = sentry.Context{"trace_id": tid.String(), "span_id": newSpanID().String()}
	}
	if j.suppressed > 0 {
		ev.Contexts["storm"] = sentry.Context{"suppressed": j.suppressed}
	}
	if j.req != nil {
		if j.req.method != "" {
			ev.Request = r.scrub.request(j.req)
		}
		ev.Transaction = j.req.transaction()
	}
	return ev
}

// exceptions returns one exception per layer of err that has a stack,
// innermost first; fallback is the stack for an error without any.
func exceptions(err error, fallback []uintptr, mech *sentry.Mechanism) []sentry.Exception {
	var out []sentry.Exception // outermost first while collecting
	for l, i := err, 0; l != nil && i < 100; l, i = errors.Unwrap(l), i+1 {
		var st *sentry.Stacktrace
		if e, ok := l.(*errorsx.Error); ok {
			st = stacktrace(e.StackTrace())
		} else if _, ok := l.(interface{ StackTrace() []uintptr }); ok {
			st = stacktrace(l.(interface{ StackTrace() []uintptr }).StackTrace())
		}
		if st == nil {
			continue
		}
		out = append(out, sentry.Exception{Type: errorsx.CodeOf(l).String(), Value: errorsx.SafeString(l), Stacktrace: st})
	}
	if len(out) == 0 {
		out = append(out, sentry.Exception{Type: errorsx.CodeOf(err).String(), Value: errorsx.SafeString(err), Stacktrace: stacktrace(fallback)})
	}
	// Sentry reads the list innermost first; the last is the title.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	last := len(out) - 1
	for i := range out {
		id := last - i
		if i == last {
			m := *mech
			m.ExceptionID = 0
			out[i].Mechanism = &m
			continue
		}
		out[i].Mechanism = &sentry.Mechanism{Type: "chained", Source: "cause", ExceptionID: id, ParentID: sentry.Pointer(id - 1)}
	}
	return out
}

// stacktrace turns return addresses (innermost first, as runtime.Callers
// gives them) into a Sentry stack trace (outermost first).
func stacktrace(pcs []uintptr) *sentry.Stacktrace {
	if len(pcs) == 0 {
		return nil
	}
	var frames []sentry.Frame
	it := runtime.CallersFrames(pcs)
	for {
		f, more := it.Next()
		if f.Function != "" && f.Function != "runtime.goexit" {
			frames = append(frames, sentry.NewFrame(f))
		}
		if !more {
			break
		}
	}
	if len(frames) == 0 {
		return nil
	}
	for i, j := 0, len(frames)-1; i < j; i, j = i+1, j-1 {
		frames[i], frames[j] = frames[j], frames[i]
	}
	return &sentry.Stacktrace{Frames: frames}
}

// fieldsContext returns err's non-secret fields, or nil.
func fieldsContext(err error) sentry.Context {
	if err == nil {
		return nil
	}
	var c sentry.Context
	for _, f := range errorsx.FieldsOf(err) {
		if f.Secret {
			continue
		}
		if c == nil {
			c = sentry.Context{}
		}
		c[f.Key] = plainValue(f.Value)
	}
	return c
}

// plainValue keeps JSON-friendly scalars and prints the rest, so that an
// event can always be encoded.
func plainValue(v any) any {
	switch v := v.(type) {
	case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return v
	case errorsx.SecretValue:
		return errorsx.Redacted
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return errorsx.FormatValue(v) // a secret nested anywhere in v prints redacted
}

func panicText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// panicStack returns the stack of the panic being recovered, from the
// panicking frame outwards, given the return addresses seen from inside
// the deferred call: it drops the frames up to runtime.gopanic and the
// runtime's own helpers of a runtime error (sigpanic, panicmem, ...).
func panicStack(pcs []uintptr) []uintptr {
	start := -1
	for i, pc := range pcs {
		fn := runtime.FuncForPC(pc - 1)
		if fn == nil {
			continue
		}
		name := fn.Name()
		switch {
		case name == "runtime.gopanic":
			start = i + 1
		case start == i && (name == "runtime.sigpanic" || strings.HasPrefix(name, "runtime.panic") ||
			strings.HasPrefix(name, "runtime.goPanic")):
			start = i + 1
		}
	}
	if start < 0 || start >= len(pcs) {
		return pcs
	}
	return pcs[start:]
}

// comparable reports whether err can be compared with == safely: pointers
// only (a struct type can be comparable and still panic on == when an
// interface field holds a slice).
func comparable(err error) bool {
	if _, ok := err.(*errorsx.Error); ok {
		return true
	}
	return err != nil && reflect.TypeOf(err).Kind() == reflect.Pointer
}

// runtimeCallers is runtime.Callers from the caller's frame, for tests.
func runtimeCallers(pcs []uintptr) int { return runtime.Callers(2, pcs) }
