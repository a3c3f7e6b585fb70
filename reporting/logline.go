package reporting

import (
	"context"
	"reflect"

	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

// logLine is what a log line gives its event, whichever logger wrote it:
// zap through [Reporter.WrapCore], log/slog through [Reporter.SlogHandler].
type logLine struct {
	err     error // the logged error, or nil
	message string
	logger  string        // the logger's name, or ""
	level   zapcore.Level // slog's levels mapped onto zap's
	caller  string        // "dir/file.go:12", or ""
	persist bool          // the logger panics or exits next: keep the event before returning
}

// reportLog reports an error-level log line and returns its event ID, or
// "" when storm control held it back. Both loggers go through it, so that
// they dedupe with Capture alike: an error that Capture has just reported
// reuses its event ID; one that Capture held back is not counted twice.
// where returns the stack of the logging call site, asked for only when
// the error has none of its own; fields the line's other fields, asked
// for only when an event is made.
func (r *Reporter) reportLog(ctx context.Context, l logLine, where func() []uintptr, fields func() map[string]any) string {
	if l.err != nil {
		if id := r.recent.get(l.err); id != "" {
			return id // already reported by Capture: one event, one ID
		}
		if _, ok := r.storm.held.take(l.err, true); ok {
			return "" // Capture just held it back and counted it
		}
	}
	j := &job{kind: kindLog, err: l.err, message: l.message, logger: l.logger, level: levelOf(l.level)}
	pc := originPC(l.err)
	if pc == 0 {
		// Where it was logged: the stack of an error without its own,
		// and the call site a log line is grouped (and storm-limited) by.
		j.pcs = where()
		if len(j.pcs) > 0 {
			pc = j.pcs[0]
		}
	}
	code := "log"
	if l.err != nil {
		code = errorsx.CodeOf(l.err).String()
	}
	ok, suppressed := r.storm.take(stormKey{code, pc})
	if !ok {
		if l.err != nil {
			r.storm.held.put(l.err, true, "")
		}
		return ""
	}
	j.suppressed = suppressed
	j.logFields = fields()
	if l.caller != "" {
		if j.logFields == nil {
			j.logFields = map[string]any{}
		}
		j.logFields["caller"] = l.caller
	}
	r.fill(ctx, j)
	if l.err != nil {
		r.recent.put(l.err, j.id)
		r.storm.held.put(l.err, true, j.id) // a Capture of it that follows gets this ID
	}
	if l.persist {
		r.persist(j)
	} else {
		r.enqueue(item{job: j})
	}
	return j.id
}

// isNilError reports whether err is nil or a typed nil pointer (a
// (*fs.PathError)(nil) in an error interface), whose Error method would
// panic on the reporter's goroutine: such an error is no exception.
func isNilError(err error) bool {
	if err == nil {
		return true
	}
	v := reflect.ValueOf(err)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}
