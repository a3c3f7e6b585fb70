// Package zapslog bridges zap and log/slog both ways, for the module's
// packages whose own log lines can go to either: [Logger] makes a
// *zap.Logger that writes to a slog.Handler, [Handler] a slog.Handler
// that writes to a zap core. An errorsx error keeps its structure either
// way (errorsx.Zap's object becomes errorsx.Attr's group, and back).
package zapslog

import (
	"context"
	"log/slog"
	"runtime"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

// Logger returns a zap logger whose entries go to log's handler, or nil
// when log is nil (the module's "no log output").
func Logger(log *slog.Logger) *zap.Logger {
	if log == nil {
		return nil
	}
	return zap.New(NewCore(log.Handler()), zap.AddCaller())
}

// NewCore returns a zap core that writes each entry to h as a record:
// the message, the level (debug, info, warn, error, and above error for
// zap's panic and fatal levels), the logger's name as "logger", the
// fields as attributes in their order, a zap stack trace as "stacktrace".
// A skipped field whose value is a context.Context (package reporting's
// LogContext) becomes the record's context.
func NewCore(h slog.Handler) zapcore.Core { return &core{h: h} }

type core struct {
	h   slog.Handler
	ctx context.Context
}

func (c *core) context() context.Context {
	if c.ctx != nil {
		return c.ctx
	}
	return context.Background()
}

func (c *core) Enabled(l zapcore.Level) bool { return c.h.Enabled(c.context(), slogLevel(l)) }

func (c *core) With(fields []zapcore.Field) zapcore.Core {
	attrs, ctx := attrsOf(fields)
	nc := &core{h: c.h, ctx: c.ctx}
	if len(attrs) > 0 {
		nc.h = c.h.WithAttrs(attrs)
	}
	if ctx != nil {
		nc.ctx = ctx
	}
	return nc
}

func (c *core) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *core) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	attrs, ctx := attrsOf(fields)
	if ctx == nil {
		ctx = c.context()
	}
	r := slog.NewRecord(ent.Time, slogLevel(ent.Level), ent.Message, ent.Caller.PC)
	if ent.LoggerName != "" {
		r.AddAttrs(slog.String("logger", ent.LoggerName))
	}
	r.AddAttrs(attrs...)
	if ent.Stack != "" {
		r.AddAttrs(slog.String("stacktrace", ent.Stack))
	}
	return c.h.Handle(ctx, r)
}

func (c *core) Sync() error { return nil }

// slogLevel maps zap's levels onto slog's: debug -4, info 0, warn 4,
// error 8, and zap's dpanic, panic and fatal above error.
func slogLevel(l zapcore.Level) slog.Level {
	if l <= zapcore.DebugLevel {
		return slog.LevelDebug
	}
	return slog.Level(int(l) * 4)
}

// ZapLevel maps a slog level onto zap's, slogLevel's inverse, rounding
// down between levels: debug, info, warn, error.
func ZapLevel(l slog.Level) zapcore.Level {
	switch {
	case l < slog.LevelInfo:
		return zapcore.DebugLevel
	case l < slog.LevelWarn:
		return zapcore.InfoLevel
	case l < slog.LevelError:
		return zapcore.WarnLevel
	default:
		return zapcore.ErrorLevel
	}
}

// attrsOf turns zap fields into slog attributes, in order; a namespace
// field makes a group of the fields after it.
func attrsOf(fields []zapcore.Field) (attrs []slog.Attr, ctx context.Context) {
	for i, f := range fields {
		switch {
		case f.Type == zapcore.SkipType:
			if c, ok := f.Interface.(context.Context); ok {
				ctx = c
			}
		case f.Type == zapcore.NamespaceType:
			rest, c := attrsOf(fields[i+1:])
			if c != nil {
				ctx = c
			}
			return append(attrs, slog.Attr{Key: f.Key, Value: slog.GroupValue(rest...)}), ctx
		default:
			attrs = append(attrs, attrOf(f))
		}
	}
	return attrs, ctx
}

func attrOf(f zapcore.Field) slog.Attr {
	switch f.Type {
	case zapcore.StringType:
		return slog.String(f.Key, f.String)
	case zapcore.BoolType:
		return slog.Bool(f.Key, f.Integer == 1)
	case zapcore.Int64Type, zapcore.Int32Type, zapcore.Int16Type, zapcore.Int8Type:
		return slog.Int64(f.Key, f.Integer)
	case zapcore.DurationType:
		return slog.Duration(f.Key, time.Duration(f.Integer))
	case zapcore.ObjectMarshalerType:
		// errorsx.Zap's object: the same structure as errorsx.Attr.
		if u, ok := f.Interface.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
			a := errorsx.Attr(u.Unwrap())
			a.Key = f.Key
			return a
		}
	case zapcore.ErrorType:
		if err, ok := f.Interface.(error); ok {
			return slog.String(f.Key, err.Error())
		}
	}
	enc := zapcore.NewMapObjectEncoder()
	f.AddTo(enc)
	return slog.Any(f.Key, enc.Fields[f.Key])
}

// Handler returns a slog handler that writes each record to c as a zap
// entry: attributes become fields (a group an object of its fields), a
// record's context a skipped field that package reporting's core reads
// (so breadcrumbs and events follow the request, as with LogContext), an
// error an errorsx.Zap field.
func Handler(c zapcore.Core) slog.Handler { return &handler{core: c} }

type handler struct {
	core   zapcore.Core
	base   []slog.Attr // attributes outside every group
	groups []group     // open groups, outermost first
}

type group struct {
	name  string
	attrs []slog.Attr
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return h.core.Enabled(ZapLevel(l)) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	ent := zapcore.Entry{Level: ZapLevel(r.Level), Time: r.Time, Message: r.Message}
	if r.PC != 0 {
		fs := runtime.CallersFrames([]uintptr{r.PC})
		f, _ := fs.Next()
		ent.Caller = zapcore.NewEntryCaller(r.PC, f.File, f.Line, true)
	}
	ce := h.core.Check(ent, nil)
	if ce == nil {
		return nil
	}
	var own []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		own = append(own, a)
		return true
	})
	// From the innermost group out: each group is its attributes, then
	// the group inside it; a group left empty is left out, as slog does.
	inner := own
	var fields []zapcore.Field
	for i := len(h.groups) - 1; i >= 0; i-- {
		fs := fieldsOf(append(append([]slog.Attr(nil), h.groups[i].attrs...), inner...))
		if fields != nil {
			fs = append(fs, fields...)
		}
		fields = nil
		if len(fs) > 0 {
			fields = []zapcore.Field{zap.Object(h.groups[i].name, fieldList(fs))}
		}
		inner = nil
	}
	all := fieldsOf(append(append([]slog.Attr(nil), h.base...), inner...))
	all = append(all, fields...)
	if ctx != nil {
		all = append(all, zap.Field{Key: "reporting.context", Type: zapcore.SkipType, Interface: ctx})
	}
	ce.Write(all...)
	return nil
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	nh := &handler{core: h.core, base: h.base, groups: append([]group(nil), h.groups...)}
	if n := len(nh.groups); n > 0 {
		g := nh.groups[n-1]
		nh.groups[n-1] = group{name: g.name, attrs: append(append([]slog.Attr(nil), g.attrs...), attrs...)}
	} else {
		nh.base = append(append([]slog.Attr(nil), h.base...), attrs...)
	}
	return nh
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &handler{core: h.core, base: h.base, groups: append(append([]group(nil), h.groups...), group{name: name})}
}

func fieldsOf(attrs []slog.Attr) []zapcore.Field {
	fields := make([]zapcore.Field, 0, len(attrs))
	for _, a := range attrs {
		if a.Equal(slog.Attr{}) {
			continue
		}
		v := a.Value.Resolve()
		switch v.Kind() {
		case slog.KindGroup:
			sub := fieldsOf(v.Group())
			if a.Key == "" {
				fields = append(fields, sub...)
			} else if len(sub) > 0 {
				fields = append(fields, zap.Object(a.Key, fieldList(sub)))
			}
		case slog.KindString:
			fields = append(fields, zap.String(a.Key, v.String()))
		case slog.KindInt64:
			fields = append(fields, zap.Int64(a.Key, v.Int64()))
		case slog.KindUint64:
			fields = append(fields, zap.Uint64(a.Key, v.Uint64()))
		case slog.KindFloat64:
			fields = append(fields, zap.Float64(a.Key, v.Float64()))
		case slog.KindBool:
			fields = append(fields, zap.Bool(a.Key, v.Bool()))
		case slog.KindDuration:
			fields = append(fields, zap.Duration(a.Key, v.Duration()))
		case slog.KindTime:
			fields = append(fields, zap.Time(a.Key, v.Time()))
		default:
			if err, ok := v.Any().(error); ok {
				fields = append(fields, errorsx.ZapKey(a.Key, err))
				continue
			}
			fields = append(fields, zap.Any(a.Key, v.Any()))
		}
	}
	return fields
}

// fieldList is a group's fields as a zap object.
type fieldList []zapcore.Field

func (fl fieldList) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range fl {
		f.AddTo(enc)
	}
	return nil
}
