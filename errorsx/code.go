package errorsx

import (
	"context"
	"errors"
	"net/http"
	"reflect"
)

// Code classifies an error for machines: it picks the HTTP status of a
// problem response, the title of a crash report and the type of a span's
// exception event. The built-in codes are the canonical gRPC names; a service
// defines its own with [NewCode].
//
// A Code is a comparable value and implements error, so
// errors.Is(err, errorsx.NotFound) reports whether any layer of err set that
// code. [CodeOf] gives the code that applies to an error as a whole: the
// outermost one set.
//
// The zero Code means "no code set". A Code is pointer-shaped, so using it
// as an error (errors.Is) does not allocate; two codes are equal only if
// they are the same definition.
type Code struct{ def *codeDef }

type codeDef struct {
	name   string
	status int
}

// The canonical codes, named as gRPC names them, each with the HTTP status
// that grpc-gateway and Google's API design guide map it to.
var (
	OK                 = Code{&codeDef{"ok", http.StatusOK}}
	Canceled           = Code{&codeDef{"canceled", 499}} // nginx's "client closed request"
	Unknown            = Code{&codeDef{"unknown", http.StatusInternalServerError}}
	InvalidArgument    = Code{&codeDef{"invalid_argument", http.StatusBadRequest}}
	DeadlineExceeded   = Code{&codeDef{"deadline_exceeded", http.StatusGatewayTimeout}}
	NotFound           = Code{&codeDef{"not_found", http.StatusNotFound}}
	AlreadyExists      = Code{&codeDef{"already_exists", http.StatusConflict}}
	PermissionDenied   = Code{&codeDef{"permission_denied", http.StatusForbidden}}
	ResourceExhausted  = Code{&codeDef{"resource_exhausted", http.StatusTooManyRequests}}
	FailedPrecondition = Code{&codeDef{"failed_precondition", http.StatusBadRequest}}
	Aborted            = Code{&codeDef{"aborted", http.StatusConflict}}
	OutOfRange         = Code{&codeDef{"out_of_range", http.StatusBadRequest}}
	Unimplemented      = Code{&codeDef{"unimplemented", http.StatusNotImplemented}}
	Internal           = Code{&codeDef{"internal", http.StatusInternalServerError}}
	Unavailable        = Code{&codeDef{"unavailable", http.StatusServiceUnavailable}}
	DataLoss           = Code{&codeDef{"data_loss", http.StatusInternalServerError}}
	Unauthenticated    = Code{&codeDef{"unauthenticated", http.StatusUnauthorized}}
)

var canonical = [...]Code{
	OK, Canceled, Unknown, InvalidArgument, DeadlineExceeded, NotFound,
	AlreadyExists, PermissionDenied, ResourceExhausted, FailedPrecondition,
	Aborted, OutOfRange, Unimplemented, Internal, Unavailable, DataLoss,
	Unauthenticated,
}

// NewCode defines an application code with the HTTP status it answers with.
// Define codes once, as package-level variables:
//
//	var PaymentDeclined = errorsx.NewCode("payment_declined", http.StatusPaymentRequired)
//
// An empty name becomes "unknown"; a status outside 400–599 becomes 500, so
// that an error never answers with a success status.
func NewCode(name string, httpStatus int) Code {
	if name == "" {
		name = Unknown.def.name
	}
	if httpStatus < 400 || httpStatus > 599 {
		httpStatus = http.StatusInternalServerError
	}
	return Code{&codeDef{name: name, status: httpStatus}}
}

// LookupCode returns the canonical code with the given name, such as
// "not_found", and whether there is one.
func LookupCode(name string) (Code, bool) {
	for _, c := range canonical {
		if c.def.name == name {
			return c, true
		}
	}
	return Code{}, false
}

// String returns the code's name, or "" for the zero Code.
func (c Code) String() string {
	if c.def == nil {
		return ""
	}
	return c.def.name
}

// Error returns the code's name, so that a Code can be the target of
// errors.Is.
func (c Code) Error() string { return c.String() }

// HTTPStatus returns the HTTP status the code maps to: 500 for the zero Code.
func (c Code) HTTPStatus() int {
	if c.def == nil {
		return http.StatusInternalServerError
	}
	return c.def.status
}

// IsZero reports whether c is the zero Code (no code set).
func (c Code) IsZero() bool { return c.def == nil }

// CodeOf returns the code that applies to err: the outermost code set on any
// errorsx layer of its chain (for a join, the first found depth-first), or a
// bare Code returned as the error itself (`return errorsx.NotFound`). An
// error with no code is DeadlineExceeded or Canceled when it is, or wraps,
// the context package's errors, and Unknown otherwise. CodeOf(nil) is OK,
// and only nil is: an error coded OK is Unknown, so that no error answers
// 200.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	if c := findCode(err, 0); !c.IsZero() {
		if c == OK {
			// An error is never OK: it must not answer 200.
			return Unknown
		}
		return c
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	return Unknown
}

func findCode(err error, depth int) Code {
	for err != nil && depth < maxChain {
		if e, ok := err.(*Error); ok && e != nil && !e.code.IsZero() {
			return e.code
		}
		if c, ok := err.(Code); ok && !c.IsZero() {
			return c // a bare code returned as an error: "return errorsx.NotFound"
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, sub := range u.Unwrap() {
				if c := findCode(sub, depth+1); !c.IsZero() {
					return c
				}
			}
			return Code{}
		default:
			return Code{}
		}
		depth++
	}
	return Code{}
}

// typedNil reports whether err is a nil pointer (or other nil value)
// inside a non-nil interface, whose Error method would panic.
func typedNil(err error) bool {
	v := reflect.ValueOf(err)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}
