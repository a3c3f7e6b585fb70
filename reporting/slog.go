package reporting

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/internal/zapslog"
)

// SlogHandler wraps a log/slog handler as [Reporter.WrapCore] wraps a zap
// core:
//
//   - records at info level and above (see [WithLogLevels]) whose context
//     is a request's or goroutine's (the middleware's, [Go]'s or
//     [Reporter.Bind]'s) become breadcrumbs of that hub;
//   - records at error level and above become events; an error among the
//     attributes (any key: slog.Any("err", err), errorsx.Attr(err), an
//     error of any package; the record's first, else the logger's) gives
//     the exception and its own stack, not the logger's frames; the other
//     attributes become the context "log", groups as nested objects;
//   - the record passed on to next gets an "event_id" attribute with the
//     event's ID. Logging an error that [Capture] has just reported reuses
//     that event ID instead of reporting it twice, as the zap core does;
//     one that storm control holds back gets none.
//
// slog's levels map onto zap's: below info is debug, below warn info,
// below error warn, error and above error. Use it with the context
// variants of slog's methods, so that the record carries the request:
//
//	log := slog.New(rep.SlogHandler(slog.NewJSONHandler(os.Stderr, nil)))
//	log.InfoContext(ctx, "charging card", "order", id)           // a breadcrumb
//	log.ErrorContext(ctx, "charge failed", errorsx.Attr(err))     // an event, event_id in the line
//
// A request keeps its newest 100 log breadcrumbs as the records gave them
// (attributes resolved when logged), and makes them into Sentry
// breadcrumbs, in time order with the others, only when one of its
// events is made: a breadcrumb record costs no allocation once the
// request has a few, and a request that never fails never pays for a hub.
//
// Records below the event level reach next only when next is enabled for
// them; records at or above it are always reported and passed on when
// next is enabled. Inside a group (Logger.WithGroup) event_id is in that
// group, as any attribute of the record. A nil next reports only.
func (r *Reporter) SlogHandler(next slog.Handler) slog.Handler {
	if next == nil {
		next = slog.DiscardHandler
	}
	return &slogHandler{next: next, r: r}
}

type slogHandler struct {
	next   slog.Handler
	r      *Reporter
	groups []string    // the groups open now (WithGroup)
	attrs  []slog.Attr // WithAttrs', each nested in the groups open when it was given
	frozen []slog.Attr // attrs as breadcrumbs keep them: resolved, without errors
}

var _ slog.Handler = (*slogHandler)(nil)

func (h *slogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	zl := zapslog.ZapLevel(l)
	return zl >= h.r.cfg.eventLevel || h.next.Enabled(ctx, l) || (zl >= h.r.cfg.breadcrumbLevel && hasHub(ctx))
}

func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	nh := *h
	nh.next = h.next.WithAttrs(attrs)
	nested := nest(h.groups, attrs)
	nh.attrs = append(slices.Clip(h.attrs), nested...)
	nh.frozen = slices.Clip(h.frozen)
	for _, a := range nested {
		if fa, ok := freeze(a); ok {
			nh.frozen = append(nh.frozen, fa)
		}
	}
	return &nh
}

func (h *slogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	nh := *h
	nh.next = h.next.WithGroup(name)
	nh.groups = append(slices.Clip(h.groups), name)
	return &nh
}

func (h *slogHandler) Handle(ctx context.Context, rec slog.Record) error {
	zl := zapslog.ZapLevel(rec.Level)
	switch {
	case zl >= h.r.cfg.eventLevel:
		if id := h.report(ctx, rec, zl); id != "" {
			rec = rec.Clone() // the caller's record may share its attributes' storage
			rec.AddAttrs(slog.String(EventIDKey, id))
		}
	case zl >= h.r.cfg.breadcrumbLevel:
		if rc := requestOf(ctx); rc != nil {
			at := rec.Time
			if at.IsZero() {
				at = time.Now()
			}
			rc.logCrumbs().add(at, levelOf(zl), rec.Message, func(c *logCrumb) { h.keep(c, rec) })
		} else if hub := hubFrom(ctx); hub != nil { // a hub of sentry-go's own API
			hub.AddBreadcrumb(&sentry.Breadcrumb{
				Type:      "default",
				Category:  "log",
				Message:   rec.Message,
				Data:      h.data(rec),
				Level:     levelOf(zl),
				Timestamp: rec.Time,
			}, nil)
		}
	}
	if !h.next.Enabled(ctx, rec.Level) {
		return nil
	}
	return h.next.Handle(ctx, rec)
}

// keep gives a breadcrumb the logger's and the record's attributes as it
// keeps them until an event is made: resolved now (a LogValuer, a value of
// any type printed as the event would print it), so that nothing the
// caller changes afterwards shows, and without errors.
func (h *slogHandler) keep(c *logCrumb, rec slog.Record) {
	for _, a := range h.frozen {
		c.push(a)
	}
	if len(h.groups) == 0 {
		rec.Attrs(func(a slog.Attr) bool {
			if fa, ok := freeze(a); ok {
				c.push(fa)
			}
			return true
		})
		return
	}
	inner := make([]slog.Attr, 0, rec.NumAttrs())
	rec.Attrs(func(a slog.Attr) bool {
		if fa, ok := freeze(a); ok {
			inner = append(inner, fa)
		}
		return true
	})
	if len(inner) > 0 {
		c.push(nest(h.groups, inner)[0])
	}
}

// freeze resolves an attribute for keeping: LogValuers resolved, values of
// any other type turned into what an event shows of them, in groups too;
// an error (an event's exception, not data) and an empty attribute are
// dropped.
func freeze(a slog.Attr) (slog.Attr, bool) {
	if errorOfValue(a.Value) != nil {
		return slog.Attr{}, false
	}
	a.Value = a.Value.Resolve()
	switch a.Value.Kind() {
	case slog.KindAny:
		a.Value = slog.AnyValue(plainValue(a.Value.Any()))
	case slog.KindGroup:
		g := a.Value.Group()
		if !slices.ContainsFunc(g, needsFreezing) {
			break
		}
		fg := make([]slog.Attr, 0, len(g))
		for _, ga := range g {
			if fa, ok := freeze(ga); ok {
				fg = append(fg, fa)
			}
		}
		a.Value = slog.GroupValue(fg...)
	}
	if a.Equal(slog.Attr{}) {
		return a, false
	}
	return a, true
}

func needsFreezing(a slog.Attr) bool {
	switch a.Value.Kind() {
	case slog.KindAny, slog.KindLogValuer, slog.KindGroup:
		return true
	}
	return false
}

// report makes the event of an error-level record and returns its ID.
func (h *slogHandler) report(ctx context.Context, rec slog.Record, zl zapcore.Level) string {
	var err error
	rec.Attrs(func(a slog.Attr) bool {
		err = errorOfAttr(a)
		return err == nil
	})
	for i := 0; err == nil && i < len(h.attrs); i++ {
		err = errorOfAttr(h.attrs[i])
	}
	l := logLine{err: err, message: rec.Message, level: zl, caller: callerOf(rec.PC)}
	return h.r.reportLog(ctx, l,
		func() []uintptr { return slogCallers(rec.PC) },
		func() map[string]any { return h.data(rec) })
}

// data returns the attributes of the logger and the record as an event's
// context "log": as a breadcrumb keeps them, groups as nested maps.
func (h *slogHandler) data(rec slog.Record) map[string]any {
	var c logCrumb
	h.keep(&c, rec)
	return attrData(c.attrs())
}

// nest puts attrs inside the groups, outermost first.
func nest(groups []string, attrs []slog.Attr) []slog.Attr {
	if len(groups) == 0 {
		return slices.Clone(attrs)
	}
	a := slog.Attr{Key: groups[len(groups)-1], Value: slog.GroupValue(attrs...)}
	for i := len(groups) - 2; i >= 0; i-- {
		a = slog.Attr{Key: groups[i], Value: slog.GroupValue(a)}
	}
	return []slog.Attr{a}
}

// addAttr adds one attribute to m as slog's JSON handler would show it:
// an empty attribute is left out, a group without a key is inlined, a
// group merges with one of the same key given earlier.
func addAttr(m map[string]any, a slog.Attr) {
	if errorOfValue(a.Value) != nil { // before Resolve: an *errorsx.Error resolves to a group
		return
	}
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	switch a.Value.Kind() {
	case slog.KindGroup:
		g := a.Value.Group()
		if len(g) == 0 {
			return
		}
		dst := m
		if a.Key != "" {
			sub, ok := m[a.Key].(map[string]any)
			if !ok {
				sub = make(map[string]any, len(g))
				m[a.Key] = sub
			}
			dst = sub
		}
		for _, ga := range g {
			addAttr(dst, ga)
		}
	case slog.KindString:
		m[a.Key] = a.Value.String()
	case slog.KindInt64:
		m[a.Key] = a.Value.Int64()
	case slog.KindUint64:
		m[a.Key] = a.Value.Uint64()
	case slog.KindFloat64:
		m[a.Key] = a.Value.Float64()
	case slog.KindBool:
		m[a.Key] = a.Value.Bool()
	case slog.KindDuration:
		m[a.Key] = a.Value.Duration().String()
	case slog.KindTime:
		m[a.Key] = a.Value.Time()
	default:
		m[a.Key] = plainValue(a.Value.Any())
	}
}

// errorOfAttr returns the error of an attribute (any key), looking into
// groups, or nil.
func errorOfAttr(a slog.Attr) error {
	v := a.Value
	if v.Kind() == slog.KindGroup {
		for _, ga := range v.Group() {
			if err := errorOfAttr(ga); err != nil {
				return err
			}
		}
		return nil
	}
	return errorOfValue(v)
}

// errorOfValue returns the error a value holds: an error given to
// slog.Any (an *errorsx.Error is a LogValuer, which is looked at before
// it is resolved), or the one behind errorsx.Attr, which unwraps to it.
func errorOfValue(v slog.Value) error {
	if k := v.Kind(); k != slog.KindAny && k != slog.KindLogValuer {
		return nil
	}
	var err error
	switch x := v.Any().(type) {
	case error:
		err = x
	case interface{ Unwrap() error }:
		err = x.Unwrap()
	}
	if isNilError(err) {
		return nil
	}
	return err
}

// requestOf returns the request or goroutine context of the middleware,
// Go or Bind that ctx derives from, or nil.
func requestOf(ctx context.Context) *requestContext {
	if ctx == nil {
		return nil
	}
	rc, _ := ctx.Value(requestKey{}).(*requestContext)
	return rc
}

// hasHub reports, without making one, whether ctx leads to a hub.
func hasHub(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	if ctx.Value(requestKey{}) != nil {
		return true
	}
	return ctx.Value(sentry.HubContextKey) != nil
}

// callerOf returns "dir/file.go:line" of a record's PC, as zap's
// TrimmedPath prints a caller, or "".
func callerOf(pc uintptr) string {
	if pc == 0 {
		return ""
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	if f.File == "" {
		return ""
	}
	file := f.File
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		if j := strings.LastIndexByte(file[:i], '/'); j >= 0 {
			file = file[j+1:]
		}
	}
	return file + ":" + strconv.Itoa(f.Line)
}

// slogCallers returns the stack of a record logged without an error of
// its own: from the frame that logged it (its PC) outwards. A record
// handled on another goroutine than the one that logged it has only its
// PC.
func slogCallers(pc uintptr) []uintptr {
	pcs := make([]uintptr, maxFrames+16)
	frames := pcs[:runtime.Callers(2, pcs)]
	if pc == 0 {
		return framesAbove(frames, "log/slog.")
	}
	for i, p := range frames {
		if p == pc {
			return frames[i:]
		}
	}
	return []uintptr{pc}
}
