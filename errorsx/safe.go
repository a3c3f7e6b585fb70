package errorsx

import (
	"fmt"
	"io"
	"strings"
)

// What a report may carry of an error's message.
//
// The rule is cockroachdb/errors': the literal text of a message is safe
// (the program wrote it), the values formatted into it are not, unless
// marked [Safe]. So [Errorf] and [Wrapf] keep their format and arguments:
// Error(), %+v and the log encoders show the whole text, as fmt.Errorf
// would (logs are the operator's own store, and a support engineer needs
// the values there), while [SafeString], which package reporting uses for
// Sentry events and package tracing for spans, shows each argument as
// [Redacted]: Errorf("card %s declined for %s", card, email) is reported as
// "card [REDACTED] declined for [REDACTED]". Put values a report should
// carry in fields (reporting sends them as the "fields" context, secrets
// redacted) or mark them Safe: Errorf("retry %d of %d", Safe(n), Safe(max)).

// formatted is what Errorf and Wrapf keep to redact their arguments later.
type formatted struct {
	format string
	args   []any
}

// SafeValue is a value marked safe to report; see [Safe].
type SafeValue struct{ v any }

// Safe marks v as safe to appear in reports when formatted into an
// [Errorf] or [Wrapf] message: a number of retries, an HTTP status, a
// table name. Never mark user input safe.
func Safe(v any) SafeValue { return SafeValue{v} }

// Format formats the value as if it were not wrapped.
func (s SafeValue) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.v)
}

// redactedArg stands for an argument in a safe message.
type redactedArg struct{}

func (redactedArg) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// safe renders the message with its arguments redacted: a [Safe] value as
// itself, an error (a %w or %v operand) as its own SafeString, anything
// else as [Redacted].
func (f *formatted) safe() string {
	args := make([]any, len(f.args))
	for i, a := range f.args {
		switch v := a.(type) {
		case SafeValue:
			args[i] = v.v
		case error:
			args[i] = SafeString(v)
		default:
			args[i] = redactedArg{}
		}
	}
	return fmt.Sprintf(strings.ReplaceAll(f.format, "%w", "%v"), args...)
}

// SafeString returns err's text as it may leave the process in a report
// or a span: Error()'s text, with the arguments formatted into [Errorf] and
// [Wrapf] messages redacted unless marked [Safe], and [Secret] values
// redacted as everywhere. A layer that is not an errorsx error gives its
// own Error() text, which this package cannot take apart: wrap such errors
// with a message of your own, or keep their details in fields.
func SafeString(err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case *Error:
		return e.safeString()
	case *joinError:
		var b strings.Builder
		for i, err := range e.errs {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(SafeString(err))
		}
		return b.String()
	default:
		if typedNil(err) {
			return "<nil>"
		}
		return err.Error()
	}
}

func (e *Error) safeString() string {
	if e == nil {
		return "<nil>"
	}
	msg := e.msg
	if e.fmt != nil {
		msg = e.fmt.safe() // a %w operand is in it already, redacted its own way
	}
	if e.cause == nil || e.flags&msgHasCause != 0 {
		return msg
	}
	if msg == "" {
		return SafeString(e.cause)
	}
	return msg + ": " + SafeString(e.cause)
}
