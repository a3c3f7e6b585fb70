package errorsx

import (
	"fmt"
	"runtime"
)

// Error is one layer of an errorsx error: a message, an optional code,
// key-value fields, an optional public message, the cause it wraps and a
// stack. The layer where an error starts captures the whole stack; a layer
// that wraps an errorsx error records only its own frame.
//
// Values are immutable once made and safe for concurrent use. Use the
// package functions ([New], [Wrap], [Code.New], ...) to make them and
// [CodeOf], [FieldsOf], [PublicOf], [StackOf] to read an error as a whole;
// errors.As(err, &e) reaches a single layer.
type Error struct {
	msg   string
	cause error
	code  Code
	kv    []any      // raw key-value list; parsed when read
	stack []uintptr  // points into the enclosing stackError or frameError
	fmt   *formatted // Errorf's and Wrapf's format and arguments, for SafeString
	flags uint8
}

const (
	fullStack   uint8 = 1 << iota // stack is the whole stack where the error started
	msgHasCause                   // msg already contains the cause's text (Errorf with %w)
)

// stackError and frameError put the program counters in the same allocation
// as the layer, so that making an error costs one allocation.
type stackError struct {
	Error
	buf [maxDepth]uintptr
}

type frameError struct {
	Error
	buf [1]uintptr
}

var (
	_ error         = (*Error)(nil)
	_ fmt.Formatter = (*Error)(nil)
)

// newLayer makes a layer whose stack starts skip frames above its caller's
// caller: skip 0 records the function that called the exported constructor.
func newLayer(skip int, full bool) *Error {
	if full {
		s := &stackError{}
		n := runtime.Callers(skip+3, s.buf[:])
		s.stack = s.buf[:n:n]
		s.flags = fullStack
		return &s.Error
	}
	f := &frameError{}
	n := runtime.Callers(skip+3, f.buf[:])
	f.stack = f.buf[:n:n]
	return &f.Error
}

func makeNew(skip int, code Code, msg string, kv []any) error {
	// The constructors that capture a whole stack are marked noinline:
	// when one is inlined into its caller, runtime.Callers' skip ends
	// inside the caller's inline tree and the unwinder pays ~30% more
	// (bench/BenchmarkNew). Wrapping, which records one frame, is faster
	// inlined.
	s := &stackError{}
	n := runtime.Callers(skip+3, s.buf[:])
	s.stack = s.buf[:n:n]
	s.flags = fullStack
	s.msg, s.code, s.kv = msg, code, kv
	return &s.Error
}

func makeWrap(skip int, err error, code Code, msg string, kv []any) error {
	if err == nil {
		return nil
	}
	var e *Error
	if hasStack(err) {
		// Only the wrapping frame; captured here rather than in newLayer
		// to save unwinding one frame.
		f := &frameError{}
		n := runtime.Callers(skip+3, f.buf[:])
		f.stack = f.buf[:n:n]
		e = &f.Error
	} else {
		e = newLayer(skip+1, true)
	}
	e.msg, e.cause, e.code, e.kv = msg, err, code, kv
	return e
}

func makeErrorf(skip int, code Code, format string, args []any) error {
	wrapped := fmt.Errorf(format, args...)
	var cause error
	switch u := wrapped.(type) {
	case interface{ Unwrap() error }:
		cause = u.Unwrap()
	case interface{ Unwrap() []error }:
		cause = &joinError{errs: u.Unwrap()}
	}
	e := newLayer(skip+1, cause == nil || !hasStack(cause))
	e.msg, e.cause, e.code = wrapped.Error(), cause, code
	e.fmt = &formatted{format, args}
	if cause != nil {
		e.flags |= msgHasCause
	}
	return e
}

// New returns an error with the message msg, no code, the given key-value
// fields and the stack of its caller. kv alternates string keys and values;
// it may also hold [Field] and slog.Attr values, and a [Public] message.
//
//go:noinline
func New(msg string, kv ...any) error { return makeNew(0, Code{}, msg, kv) }

// Errorf returns an error whose message is fmt.Sprintf(format, args...). As
// with fmt.Errorf, a %w verb makes its operand the cause, visible to
// errors.Is and errors.As; the message then already contains the cause's
// text. The arguments may hold personal data: reports and spans show them
// as [Redacted] unless marked [Safe] (see [SafeString]); logs and %+v show
// them.
//
//go:noinline
func Errorf(format string, args ...any) error { return makeErrorf(0, Code{}, format, args) }

// Wrap returns err with msg and fields added as a new layer, so that Error()
// reads "msg: cause". Wrap(nil, ...) returns nil. Wrapping an errorsx error
// records only the caller's frame; wrapping any other error captures the
// whole stack.
func Wrap(err error, msg string, kv ...any) error { return makeWrap(0, err, Code{}, msg, kv) }

// Wrapf is [Wrap] with a formatted message. Wrapf(nil, ...) returns nil.
// As with [Errorf], reports and spans show its arguments as [Redacted]
// unless marked [Safe].
func Wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return withFormat(makeWrap(0, err, Code{}, fmt.Sprintf(format, args...), nil), format, args)
}

// withFormat keeps a Wrapf layer's format and arguments, for SafeString.
func withFormat(err error, format string, args []any) error {
	if e, ok := err.(*Error); ok {
		e.fmt = &formatted{format, args}
	}
	return err
}

// With returns err with fields added as a new layer that has no message of
// its own: Error() is unchanged. With(nil, ...) returns nil.
func With(err error, kv ...any) error { return makeWrap(0, err, Code{}, "", kv) }

// New returns an error with code c; see the package function [New].
//
//go:noinline
func (c Code) New(msg string, kv ...any) error { return makeNew(0, c, msg, kv) }

// Errorf returns an error with code c; see the package function [Errorf].
//
//go:noinline
func (c Code) Errorf(format string, args ...any) error { return makeErrorf(0, c, format, args) }

// Wrap wraps err in a layer with code c; see the package function [Wrap].
// Wrap(nil, ...) returns nil. An empty msg sets the code without changing
// Error().
func (c Code) Wrap(err error, msg string, kv ...any) error { return makeWrap(0, err, c, msg, kv) }

// Wrapf wraps err with code c and a formatted message. Wrapf(nil, ...)
// returns nil.
func (c Code) Wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return withFormat(makeWrap(0, err, c, fmt.Sprintf(format, args...), nil), format, args)
}

// NewSkip is [Code.New] for helpers that make errors on their caller's
// behalf: skip 0 records NewSkip's caller, 1 its caller's caller, and so on.
// Pass the zero Code for no code.
//
//go:noinline
func NewSkip(skip int, code Code, msg string, kv ...any) error {
	return makeNew(max(skip, 0), code, msg, kv)
}

// WrapSkip is [Code.Wrap] for helpers, with skip as in [NewSkip].
// WrapSkip(n, nil, ...) returns nil.
func WrapSkip(skip int, err error, code Code, msg string, kv ...any) error {
	return makeWrap(max(skip, 0), err, code, msg, kv)
}

// Error returns the messages of the layers, outermost first, joined by
// ": ", as in "load order: query: connection refused". Layers without a
// message of their own add nothing.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	if e.cause == nil || e.flags&msgHasCause != 0 {
		return e.msg
	}
	if e.msg == "" {
		return e.cause.Error()
	}
	return e.msg + ": " + e.cause.Error()
}

// Unwrap returns the error this layer wraps, or nil.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.cause
}

// Is reports whether target is the [Code] set on this layer, so that
// errors.Is(err, errorsx.NotFound) matches. Messages are never compared.
func (e *Error) Is(target error) bool {
	if e == nil {
		return false
	}
	c, ok := target.(Code)
	return ok && !c.IsZero() && c == e.code
}

// Message returns this layer's own message, without its cause's.
func (e *Error) Message() string {
	if e == nil {
		return ""
	}
	return e.msg
}

// Code returns the code set on this layer; the zero Code if none. Use
// [CodeOf] for the code of the whole error.
func (e *Error) Code() Code {
	if e == nil {
		return Code{}
	}
	return e.code
}

// Fields returns this layer's own fields, in the order given.
func (e *Error) Fields() []Field {
	if e == nil || len(e.kv) == 0 {
		return nil
	}
	fs := make([]Field, 0, len(e.kv)/2+1)
	eachField(e.kv, func(f Field) { fs = append(fs, f) })
	return fs
}

// StackTrace returns the program counters recorded by this layer: the whole
// stack where the error started, or the single frame of a wrapping layer.
// The name and result type are those that sentry-go (and other tools that
// understand github.com/pkg/errors) look for by reflection, so they find our
// frames without this package importing them.
func (e *Error) StackTrace() []uintptr {
	if e == nil {
		return nil
	}
	return e.stack
}

// Frames returns this layer's recorded frames, resolved; see [Error.StackTrace].
func (e *Error) Frames() []Frame {
	if e == nil {
		return nil
	}
	return resolve(e.stack)
}

// FieldsOf returns the fields of every errorsx layer of err, innermost layer
// first and each layer's fields in the order given. Secret fields are
// included with their value redacted (see [Secret]).
func FieldsOf(err error) []Field {
	var fs []Field
	walkLayers(err, func(e *Error) {
		eachField(e.kv, func(f Field) { fs = append(fs, f) })
	})
	return fs
}

// PublicOf returns the public message of err: the outermost one set with
// [Public], or "" if none.
func PublicOf(err error) string {
	var public string
	walkLayers(err, func(e *Error) {
		if p := eachField(e.kv, nil); p != "" {
			public = p // later calls are outer layers
		}
	})
	return public
}

// unwrapChain appends err and the errors its single-cause chain reaches to
// buf, outermost first.
func unwrapChain(buf []error, err error) []error {
	for i := 0; err != nil && i < maxChain; i++ {
		buf = append(buf, err)
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return buf
}

// walkLayers calls fn for each *Error in err's chain, innermost first,
// following joins depth-first.
func walkLayers(err error, fn func(*Error)) {
	var arr [8]error
	chain := unwrapChain(arr[:0], err)
	for i := len(chain) - 1; i >= 0; i-- {
		switch l := chain[i].(type) {
		case *Error:
			if l != nil {
				fn(l)
			}
		case interface{ Unwrap() []error }:
			for _, sub := range l.Unwrap() {
				walkLayers(sub, fn)
			}
		}
	}
}
