package tracing

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportkit/supportkit/errorsx"
)

// RecordError records err on the span in ctx, with attrs on its exception
// event; see [RecordSpanError].
func RecordError(ctx context.Context, err error, attrs ...attribute.KeyValue) {
	RecordSpanError(trace.SpanFromContext(ctx), err, attrs...)
}

// RecordSpanError records err on span the way a support engineer wants to
// find it in a trace viewer:
//
//   - the span's status is Error, with err's message as its description,
//     as it may leave the process ([errorsx.SafeString]: the values
//     formatted into an errorsx.Errorf or Wrapf message, and any
//     [errorsx.Secret], read [REDACTED], also for a 5xx error), and its
//     error.type attribute is the exception type below;
//   - exactly one "exception" event (the semantic conventions' name)
//     carries exception.type (the errorsx code, such as "not_found", or,
//     for an error without one, the Go type of its innermost cause, such as
//     "*fs.PathError"), exception.message (the same safe message) and
//     exception.stacktrace (the errorsx stack where err started, as Go
//     prints a goroutine's stack without argument values; absent when err
//     carries none);
//   - the event also carries err's fields (errorsx key-values, every layer,
//     the outer layer's value for a key set in several) as attributes. A
//     secret field's value never reaches the span: its attribute reads
//     "[REDACTED]". Fields named exception.* are left out;
//   - attrs are added to the event as well, winning over a field with the
//     same key: the Sentry event ID of the same failure, for example
//     (attribute.String("sentry.event_id", id)). Attributes with the keys
//     of the three exception.* attributes above are ignored.
//
// One attribute per key: exporters and viewers that keep only the first or
// the last of a repeated key cannot show a forged or stale one.
//
// It does nothing when err is nil or the span is not recording, so it
// costs nothing when tracing is off or the request was not sampled.
func RecordSpanError(span trace.Span, err error, attrs ...attribute.KeyValue) {
	if err == nil || !span.IsRecording() {
		return
	}
	var typ, msg, st string
	var fields []errorsx.Field
	if typedNil(err) {
		// Its Error and Unwrap methods would dereference nil: record
		// what zap prints for it.
		typ, msg = fmt.Sprintf("%T", err), "<nil>"
	} else {
		typ, msg = exceptionType(err), errorsx.SafeString(err)
		st = stacktrace(errorsx.StackOf(err))
		fields = errorsx.FieldsOf(err)
	}
	out := make([]attribute.KeyValue, 0, 3+len(fields)+len(attrs))
	out = append(out, semconv.ExceptionType(typ), semconv.ExceptionMessage(msg))
	if st != "" {
		out = append(out, semconv.ExceptionStacktrace(st))
	}
	own := len(out)
	for _, a := range attrs {
		if !exceptionKey(a.Key) && !hasKey(out[own:], a.Key) {
			out = append(out, a)
		}
	}
	// Fields come innermost layer first: walking them backwards keeps the
	// outer layer's value for a key.
	for i := len(fields) - 1; i >= 0; i-- {
		k := attribute.Key(fields[i].Key)
		if !strings.HasPrefix(string(k), "exception.") && !hasKey(out[own:], k) {
			out = append(out, fieldAttr(fields[i]))
		}
	}
	span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(out...))
	span.SetStatus(codes.Error, msg)
	span.SetAttributes(semconv.ErrorTypeKey.String(typ))
}

// typedNil reports whether err is a nil pointer (or other nil value) in a
// non-nil interface.
func typedNil(err error) bool {
	v := reflect.ValueOf(err)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// exceptionKey reports whether k is one of the attributes RecordSpanError
// sets itself.
func exceptionKey(k attribute.Key) bool {
	return k == semconv.ExceptionTypeKey || k == semconv.ExceptionMessageKey || k == semconv.ExceptionStacktraceKey
}

func hasKey(attrs []attribute.KeyValue, k attribute.Key) bool {
	for _, a := range attrs {
		if a.Key == k {
			return true
		}
	}
	return false
}

// exceptionType names the kind of err: its errorsx code when it has one,
// else the Go type of the first error in its chain that is not a mere
// wrapper (fmt.Errorf's %w, an errorsx layer without a code): for
// fmt.Errorf("read config: %w", pathErr) that is "*fs.PathError".
func exceptionType(err error) string {
	if c := errorsx.CodeOf(err); c != errorsx.Unknown {
		return c.String()
	}
	for i := 0; i < 100; i++ {
		typ := fmt.Sprintf("%T", err)
		u := errors.Unwrap(err)
		if u == nil || !wrapperTypes[typ] {
			return typ
		}
		err = u
	}
	return fmt.Sprintf("%T", err)
}

// wrapperTypes are the error types that only add context to their cause.
var wrapperTypes = map[string]bool{"*fmt.wrapError": true, "*errorsx.Error": true}

func stacktrace(frames []errorsx.Frame) string {
	if len(frames) == 0 {
		return ""
	}
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.Function)
		b.WriteString("\n\t")
		b.WriteString(f.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
	}
	return b.String()
}

// fieldAttr turns an errorsx field into an attribute, keeping numbers and
// booleans typed.
func fieldAttr(f errorsx.Field) attribute.KeyValue {
	k := attribute.Key(f.Key)
	if f.Secret {
		return k.String(errorsx.Redacted)
	}
	switch v := f.Value.(type) {
	case errorsx.SecretValue:
		return k.String(errorsx.Redacted)
	case string:
		return k.String(v)
	case bool:
		return k.Bool(v)
	case int:
		return k.Int(v)
	case int8:
		return k.Int64(int64(v))
	case int16:
		return k.Int64(int64(v))
	case int32:
		return k.Int64(int64(v))
	case int64:
		return k.Int64(v)
	case uint8:
		return k.Int64(int64(v))
	case uint16:
		return k.Int64(int64(v))
	case uint32:
		return k.Int64(int64(v))
	case float32:
		return k.Float64(float64(v))
	case float64:
		return k.Float64(v)
	case []string:
		return k.StringSlice(v)
	case time.Duration:
		return k.String(v.String())
	case error:
		return k.String(v.Error())
	case fmt.Stringer:
		return k.String(v.String())
	default:
		return k.String(fmt.Sprint(v))
	}
}
