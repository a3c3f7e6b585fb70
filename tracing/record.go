package tracing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportkit/supportkit/errorsx"
)

// RecordError records err on the span in ctx; see [RecordSpanError].
func RecordError(ctx context.Context, err error) {
	RecordSpanError(trace.SpanFromContext(ctx), err)
}

// RecordSpanError records err on span the way a support engineer wants to
// find it in a trace viewer:
//
//   - the span's status is Error, with err's message as its description,
//     and its error.type attribute is the exception type below;
//   - an "exception" event (the semantic conventions' name) carries
//     exception.type (the errorsx code, such as "not_found", or, for an
//     error without one, the Go type of its innermost cause, such as
//     "*fs.PathError"), exception.message (err.Error()) and
//     exception.stacktrace (the errorsx stack where err started, as Go
//     prints a goroutine's stack; absent when err carries none);
//   - the event also carries err's fields (errorsx key-values, every layer,
//     outer layers winning on the same key) as attributes. A secret field's
//     value never reaches the span: its attribute reads "[REDACTED]".
//
// It does nothing when err is nil or the span is not recording, so it
// costs nothing when tracing is off or the request was not sampled.
func RecordSpanError(span trace.Span, err error) {
	if err == nil || !span.IsRecording() {
		return
	}
	typ := exceptionType(err)
	msg := err.Error()
	fields := errorsx.FieldsOf(err)
	attrs := make([]attribute.KeyValue, 0, 3+len(fields))
	attrs = append(attrs, semconv.ExceptionType(typ), semconv.ExceptionMessage(msg))
	if st := stacktrace(errorsx.StackOf(err)); st != "" {
		attrs = append(attrs, semconv.ExceptionStacktrace(st))
	}
	for _, f := range fields {
		attrs = append(attrs, fieldAttr(f))
	}
	span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(attrs...))
	span.SetStatus(codes.Error, msg)
	span.SetAttributes(semconv.ErrorTypeKey.String(typ))
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
