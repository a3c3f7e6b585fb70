package reporting

import (
	"context"
	"runtime"
	"strings"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// LogContext returns a zap field that ties a log entry to the request or
// goroutine in ctx, for a core wrapped by [Reporter.WrapCore]: the entry
// becomes a breadcrumb of that request's hub, and an error entry an event
// with that request's scope. Other cores skip the field; it prints
// nothing.
//
//	log.Info("charging card", reporting.LogContext(ctx), zap.String("order", id))
//	log := log.With(reporting.LogContext(ctx)) // or once per request
func LogContext(ctx context.Context) zap.Field {
	return zap.Field{Key: "reporting.context", Type: zapcore.SkipType, Interface: ctx}
}

// EventIDKey is the key of the field that [Reporter.WrapCore] adds to an
// error log line: the ID of the Sentry event made from it.
const EventIDKey = "event_id"

// WrapCore wraps an application's zap core so that:
//
//   - entries at info level and above (see [WithLogLevels]) that carry a
//     [LogContext] become breadcrumbs of that request's hub;
//   - entries at error level and above become events; the logged error
//     (zap.Error or errorsx.Zap) gives the exception and its own stack,
//     not the logger's frames; the other fields become the context "log";
//   - the line written by the wrapped core gets an "event_id" field with
//     the event's ID. Logging an error that [Capture] has just reported
//     reuses that event ID instead of reporting it twice.
//
// Use it with zap.WrapCore:
//
//	log = log.WithOptions(zap.WrapCore(rep.WrapCore))
//
// Entries below the event level go through the wrapped core's own Check
// (sampling included); entries at or above it are always reported and
// written.
func (r *Reporter) WrapCore(c zapcore.Core) zapcore.Core { return &core{Core: c, r: r} }

// Core returns a core that only reports, for zapcore.NewTee beside the
// application's own. Its events carry no event_id in the log line; prefer
// [Reporter.WrapCore].
func (r *Reporter) Core() zapcore.Core { return r.WrapCore(zapcore.NewNopCore()) }

type core struct {
	zapcore.Core
	r      *Reporter
	ctx    context.Context
	fields []zapcore.Field // fields given to With, for events' context
}

var _ zapcore.Core = (*core)(nil)

func (c *core) Enabled(l zapcore.Level) bool {
	return l >= c.r.cfg.eventLevel || c.Core.Enabled(l) || (c.ctx != nil && l >= c.r.cfg.breadcrumbLevel)
}

func (c *core) With(fields []zapcore.Field) zapcore.Core {
	nc := &core{Core: c.Core.With(fields), r: c.r, ctx: c.ctx}
	nc.fields = append(append([]zapcore.Field(nil), c.fields...), fields...)
	if ctx := contextField(fields); ctx != nil {
		nc.ctx = ctx
	}
	return nc
}

func (c *core) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if ent.Level >= c.r.cfg.eventLevel {
		return ce.AddCore(ent, c)
	}
	ce = c.Core.Check(ent, ce)
	if ent.Level >= c.r.cfg.breadcrumbLevel {
		ce = ce.AddCore(ent, breadcrumbCore{c})
	}
	return ce
}

func (c *core) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	ctx := c.ctx
	if f := contextField(fields); f != nil {
		ctx = f
	}
	id := c.r.captureLog(ctx, ent, c.fields, fields)
	if id != "" {
		fields = append(fields[:len(fields):len(fields)], zap.String(EventIDKey, id))
	}
	if c.Core.Enabled(ent.Level) {
		return c.Core.Write(ent, fields)
	}
	return nil
}

// breadcrumbCore is the part of the wrapper that turns entries below the
// event level into breadcrumbs; the wrapped core writes them itself.
type breadcrumbCore struct{ c *core }

func (b breadcrumbCore) Enabled(zapcore.Level) bool        { return true }
func (b breadcrumbCore) With([]zapcore.Field) zapcore.Core { return b }
func (b breadcrumbCore) Check(_ zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce
}
func (b breadcrumbCore) Sync() error { return nil }

func (b breadcrumbCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	ctx := b.c.ctx
	if f := contextField(fields); f != nil {
		ctx = f
	}
	hub := hubFrom(ctx)
	if hub == nil {
		return nil
	}
	data := encodeFields(b.c.fields, fields)
	hub.AddBreadcrumb(&sentry.Breadcrumb{
		Type:      "default",
		Category:  categoryOf(ent),
		Message:   ent.Message,
		Data:      data,
		Level:     levelOf(ent.Level),
		Timestamp: ent.Time,
	}, nil)
	return nil
}

// captureLog reports an error entry and returns the event ID.
func (r *Reporter) captureLog(ctx context.Context, ent zapcore.Entry, with, fields []zapcore.Field) string {
	err := errorField(fields)
	if err == nil {
		err = errorField(with)
	}
	l := logLine{err: err, message: ent.Message, logger: ent.LoggerName, level: ent.Level, persist: ent.Level >= zapcore.DPanicLevel}
	if ent.Caller.Defined {
		l.caller = ent.Caller.TrimmedPath()
	}
	return r.reportLog(ctx, l,
		func() []uintptr { return callersAt(ent) },
		func() map[string]any { return encodeFields(with, fields) })
}

// callersAt returns a stack for a logged error that has none of its own:
// the frames above zap's, which is where the entry was logged.
func callersAt(zapcore.Entry) []uintptr {
	pcs := make([]uintptr, maxFrames+16)
	return framesAbove(pcs[:runtime.Callers(3, pcs)], "go.uber.org/zap")
}

// framesAbove drops the innermost frames of a logger (the functions whose
// names start with logger) and of this package, and returns the rest:
// where the line was logged, and its callers.
func framesAbove(frames []uintptr, logger string) []uintptr {
	for i, pc := range frames {
		fn := runtime.FuncForPC(pc - 1)
		if fn == nil {
			continue
		}
		if name := fn.Name(); !strings.HasPrefix(name, logger) &&
			!strings.HasPrefix(name, "github.com/supportkit/supportkit/reporting.") {
			return frames[i:]
		}
	}
	return frames
}

// contextField returns the context of a LogContext field, or nil.
func contextField(fields []zapcore.Field) context.Context {
	for i := len(fields) - 1; i >= 0; i-- {
		if fields[i].Type == zapcore.SkipType && fields[i].Key == "reporting.context" {
			if ctx, ok := fields[i].Interface.(context.Context); ok {
				return ctx
			}
		}
	}
	return nil
}

// errorField returns the error logged with zap.Error, zap.NamedError or
// errorsx.Zap, or nil.
func errorField(fields []zapcore.Field) error {
	for _, f := range fields {
		switch f.Type {
		case zapcore.ErrorType:
			if err, ok := f.Interface.(error); ok && !isNilError(err) {
				return err
			}
		case zapcore.ObjectMarshalerType:
			if err := errorOfMarshaler(f.Interface); err != nil {
				return err
			}
		}
	}
	return nil
}

// errorOfMarshaler returns the error behind an object field: an error
// given to zap.Object, or the value of errorsx.Zap, which unwraps to its
// error.
func errorOfMarshaler(v any) error {
	var err error
	switch v := v.(type) {
	case error:
		err = v // an *errorsx.Error given to zap.Object
	case interface{ Unwrap() error }:
		err = v.Unwrap()
	}
	if isNilError(err) {
		return nil
	}
	return err
}

// encodeFields turns zap fields into breadcrumb or context data, without
// the error (which is the exception) and the LogContext.
func encodeFields(with, fields []zapcore.Field) map[string]any {
	enc := zapcore.NewMapObjectEncoder()
	for _, fs := range [][]zapcore.Field{with, fields} {
		for _, f := range fs {
			if f.Type == zapcore.SkipType || f.Type == zapcore.ErrorType || f.Key == "error" {
				continue
			}
			f.AddTo(enc)
		}
	}
	return enc.Fields
}

func categoryOf(ent zapcore.Entry) string {
	if ent.LoggerName != "" {
		return ent.LoggerName
	}
	return "log"
}

func levelOf(l zapcore.Level) sentry.Level {
	switch {
	case l >= zapcore.DPanicLevel:
		return sentry.LevelFatal
	case l >= zapcore.ErrorLevel:
		return sentry.LevelError
	case l >= zapcore.WarnLevel:
		return sentry.LevelWarning
	case l >= zapcore.InfoLevel:
		return sentry.LevelInfo
	}
	return sentry.LevelDebug
}
