package errorsx

import (
	"encoding/json"
	"log/slog"
)

// Attr returns a slog attribute named "error" that resolves to the same
// structure as [Zap]: message, code, public, fields, stack (an array of
// {function, file, line} in JSON) and, for a join, errors. It works for any
// error; Attr(nil) is an empty attribute, which slog handlers omit.
func Attr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	if typedNil(err) {
		return slog.String("error", "<nil>")
	}
	return slog.Any("error", slogError{err})
}

// LogValue implements slog.LogValuer, so that slog.Any("error", err) logs
// the structure described at [Attr].
func (e *Error) LogValue() slog.Value {
	if e == nil {
		return slog.StringValue("<nil>")
	}
	return slogError{e}.LogValue()
}

// LogValue implements slog.LogValuer for joins.
func (j *joinError) LogValue() slog.Value { return slogError{j}.LogValue() }

var (
	_ slog.LogValuer = (*Error)(nil)
	_ slog.LogValuer = (*joinError)(nil)
)

type slogError struct{ err error }

// Unwrap returns the error, so that a slog handler that looks at
// attributes (as package reporting's does) finds the error behind [Attr],
// as zap cores find it behind [Zap].
func (s slogError) Unwrap() error { return s.err }

func (s slogError) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs,
		slog.String("message", s.err.Error()),
		slog.String("code", CodeOf(s.err).String()))
	if p := PublicOf(s.err); p != "" {
		attrs = append(attrs, slog.String("public", p))
	}
	if fields := FieldsOf(s.err); len(fields) > 0 {
		fa := make([]slog.Attr, len(fields))
		for i, f := range fields {
			fa[i] = slog.Any(f.Key, f.Value)
		}
		attrs = append(attrs, slog.Attr{Key: "fields", Value: slog.GroupValue(fa...)})
	}
	if frames := StackOf(s.err); len(frames) > 0 {
		attrs = append(attrs, slog.Any("stack", frames))
	}
	if j, ok := s.err.(interface{ Unwrap() []error }); ok {
		attrs = append(attrs, slog.Any("errors", jsonErrors(j.Unwrap())))
	}
	return slog.GroupValue(attrs...)
}

// jsonErrors carries the errors of a join into slog: slog has no arrays of
// groups, so they are given as a value that JSON handlers marshal.
type jsonErrors []error

func (es jsonErrors) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	first := true
	for _, err := range es {
		if err == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONError(b, err)
	}
	return append(b, ']'), nil
}

func appendJSONError(b []byte, err error) []byte {
	b = append(b, `{"message":`...)
	b = appendJSON(b, err.Error())
	b = append(b, `,"code":`...)
	b = appendJSON(b, CodeOf(err).String())
	if p := PublicOf(err); p != "" {
		b = append(b, `,"public":`...)
		b = appendJSON(b, p)
	}
	if fields := FieldsOf(err); len(fields) > 0 {
		b = append(b, `,"fields":{`...)
		for i, f := range fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, f.Key)
			b = append(b, ':')
			b = appendJSON(b, f.Value)
		}
		b = append(b, '}')
	}
	if frames := StackOf(err); len(frames) > 0 {
		b = append(b, `,"stack":`...)
		b = appendJSON(b, frames)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		b = append(b, `,"errors":`...)
		inner, _ := jsonErrors(j.Unwrap()).MarshalJSON()
		b = append(b, inner...)
	}
	return append(b, '}')
}

// appendJSON appends v as JSON; a value that cannot be marshalled is written
// as its fmt text, so that one odd field never loses the whole error.
func appendJSON(b []byte, v any) []byte {
	if e, ok := v.(error); ok {
		v = e.Error()
	}
	out, err := json.Marshal(v)
	if err != nil {
		out, _ = json.Marshal(FormatValue(v))
	}
	return append(b, out...)
}
