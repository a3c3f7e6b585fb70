package errorsx

import (
	"fmt"
	"log/slog"
)

// Redacted is what a secret value looks like wherever it leaves the process.
const Redacted = "[REDACTED]"

// Markers written in place of a malformed key-value list, so that a mistake is
// visible in the output rather than silently dropped (the same idea as
// log/slog's "!BADKEY").
const (
	// MissingValue stands for the value of a key given without one.
	MissingValue = "!MISSING"
	// BadKey is the key given to a value found where a string key was
	// expected.
	BadKey = "!BADKEY"
)

// Field is one key-value pair attached to an error layer. Fields are kept in
// the order they were given.
type Field struct {
	Key string
	// Value is the value as given; for a secret field it is the
	// [SecretValue], which prints as [Redacted] everywhere.
	Value any
	// Secret reports whether the value was marked with [Secret].
	Secret bool
}

// Secret marks a value as secret: it is kept in the error for the process's
// own use (see [SecretValue.Reveal]) but never leaves the process. It prints
// as [Redacted] in Error(), %v and %+v, zap, slog, JSON, problem bodies,
// reports and spans, however it is nested: also in an unexported struct
// field, a map, a slice or behind a pointer, where fmt and other
// reflection-based printers cannot call its methods (they print an
// address instead of the value there).
//
//	errorsx.Unauthenticated.New("bad token", "token", errorsx.Secret(tok))
func Secret(v any) SecretValue { return SecretValue{p: &v} }

// SecretValue holds a value marked with [Secret]. Every way of printing or
// encoding it yields [Redacted]. The zero SecretValue holds nil.
type SecretValue struct {
	// The value sits behind a pointer to an interface: reflection (fmt on
	// an unexported field, where methods are out of reach, including its
	// %!verb(...) form) prints such a pointer as its address, never what
	// it points to. A pointer to a struct would print as &{value}.
	p *any
}

// Reveal returns the secret value, for use inside the process only.
func (s SecretValue) Reveal() any {
	if s.p == nil {
		return nil
	}
	return *s.p
}

// String returns [Redacted].
func (SecretValue) String() string { return Redacted }

// GoString returns [Redacted], so that %#v does not reveal the value either.
func (SecretValue) GoString() string { return Redacted }

// Format writes [Redacted] for every verb.
func (SecretValue) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON returns [Redacted] as a JSON string.
func (SecretValue) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns [Redacted].
func (SecretValue) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue returns [Redacted] as a slog string value.
func (SecretValue) LogValue() slog.Value { return slog.StringValue(Redacted) }

// Public sets the public message of the layer it is given to: a text meant
// for end users, shown in problem responses (also for 5xx, where the
// internal message never is). Pass it among the key-value pairs:
//
//	errorsx.Unavailable.Wrap(err, "payment gateway down", errorsx.Public("Payments are paused; try again in a minute."))
func Public(msg string) PublicMessage { return PublicMessage(msg) }

// PublicMessage is the type of [Public]'s result; see there.
type PublicMessage string

// eachField calls fn for each field of the raw key-value list kv, in order,
// and returns the last public message found in it. Malformed lists yield
// [BadKey] and [MissingValue] markers.
func eachField(kv []any, fn func(Field)) (public string) {
	for i := 0; i < len(kv); i++ {
		switch k := kv[i].(type) {
		case PublicMessage:
			public = string(k)
		case Field:
			if fn != nil {
				fn(k)
			}
		case slog.Attr:
			if fn != nil {
				v := k.Value.Any()
				_, secret := v.(SecretValue)
				fn(Field{Key: k.Key, Value: v, Secret: secret})
			}
		case string:
			f := Field{Key: k, Value: MissingValue}
			if i+1 < len(kv) {
				i++
				f.Value = kv[i]
				_, f.Secret = f.Value.(SecretValue)
			}
			if fn != nil {
				fn(f)
			}
		default:
			if fn != nil {
				_, secret := k.(SecretValue)
				fn(Field{Key: BadKey, Value: k, Secret: secret})
			}
		}
	}
	return public
}
