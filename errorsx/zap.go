package errorsx

import (
	"fmt"
	"time"

	"go.uber.org/zap/zapcore"
)

// Zap returns a zap field named "error" that encodes err as an object:
//
//	"error": {
//	  "message": "load order 42: order not found",
//	  "code": "not_found",
//	  "public": "We could not find that order.",
//	  "fields": {"order_id": 42, "token": "[REDACTED]", "user_id": 7},
//	  "stack": [{"function": "main.findOrder", "file": "/src/app/orders.go", "line": 20}, ...]
//	}
//
// "public", "fields" and "stack" are left out when empty; a join adds
// "errors", an array of such objects. It works for any error, errorsx or
// not; Zap(nil) is a field that zap skips. zap.Error(err) also stays
// readable: "error" holds Error() and "errorVerbose" the %+v text.
func Zap(err error) zapcore.Field { return ZapKey("error", err) }

// ZapKey is [Zap] with another key.
func ZapKey(key string, err error) zapcore.Field {
	if err == nil {
		return zapcore.Field{Type: zapcore.SkipType}
	}
	if typedNil(err) {
		// As zap.Error does: calling Error on it would panic in the encoder.
		return zapcore.Field{Key: key, Type: zapcore.StringType, String: "<nil>"}
	}
	return zapcore.Field{Key: key, Type: zapcore.ObjectMarshalerType, Interface: zapError{err}}
}

// MarshalLogObject implements zapcore.ObjectMarshaler, so that zap.Any and
// zap.Object encode the error as [Zap] does.
func (e *Error) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	if e == nil {
		enc.AddString("message", "<nil>")
		return nil
	}
	return zapError{e}.MarshalLogObject(enc)
}

var (
	_ zapcore.ObjectMarshaler = (*Error)(nil)
	_ zapcore.ObjectMarshaler = zapError{}
)

type zapError struct{ err error }

// Unwrap returns the error, so that a zap core that looks at fields (as
// package reporting's does, to report logged errors) can find it behind
// the field's value.
func (z zapError) Unwrap() error { return z.err }

func (z zapError) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("message", z.err.Error())
	enc.AddString("code", CodeOf(z.err).String())
	if p := PublicOf(z.err); p != "" {
		enc.AddString("public", p)
	}
	if fields := FieldsOf(z.err); len(fields) > 0 {
		_ = enc.AddObject("fields", zapFields(fields))
	}
	if frames := StackOf(z.err); len(frames) > 0 {
		_ = enc.AddArray("stack", zapFrames(frames))
	}
	if j, ok := z.err.(interface{ Unwrap() []error }); ok {
		_ = enc.AddArray("errors", zapErrors(j.Unwrap()))
	}
	return nil
}

type zapFields []Field

func (fs zapFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range fs {
		addZapValue(enc, f.Key, f.Value)
	}
	return nil
}

type zapFrames []Frame

func (fs zapFrames) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range fs {
		// A pointer fits in an interface without being copied to the heap.
		_ = enc.AppendObject((*zapFrame)(&fs[i]))
	}
	return nil
}

type zapFrame Frame

func (f *zapFrame) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("function", f.Function)
	enc.AddString("file", f.File)
	enc.AddInt("line", f.Line)
	return nil
}

type zapErrors []error

func (es zapErrors) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, err := range es {
		if err != nil {
			_ = enc.AppendObject(zapError{err})
		}
	}
	return nil
}

// addZapValue encodes common value types natively and the rest by
// reflection (JSON), which is what zap.Any does too.
func addZapValue(enc zapcore.ObjectEncoder, key string, v any) {
	switch v := v.(type) {
	case SecretValue:
		enc.AddString(key, Redacted)
	case string:
		enc.AddString(key, v)
	case bool:
		enc.AddBool(key, v)
	case int:
		enc.AddInt(key, v)
	case int64:
		enc.AddInt64(key, v)
	case int32:
		enc.AddInt32(key, v)
	case uint:
		enc.AddUint(key, v)
	case uint64:
		enc.AddUint64(key, v)
	case uint32:
		enc.AddUint32(key, v)
	case float64:
		enc.AddFloat64(key, v)
	case float32:
		enc.AddFloat32(key, v)
	case time.Duration:
		enc.AddDuration(key, v)
	case time.Time:
		enc.AddTime(key, v)
	case error:
		enc.AddString(key, v.Error())
	case fmt.Stringer:
		enc.AddString(key, v.String())
	case nil:
		enc.AddString(key, "<nil>")
	default:
		if err := enc.AddReflected(key, v); err != nil {
			enc.AddString(key, FormatValue(v))
		}
	}
}
