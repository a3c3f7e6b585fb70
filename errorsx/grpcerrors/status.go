package grpcerrors

import (
	"errors"
	"net/http"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/supportkit/supportkit/errorsx"
)

// DefaultDomain is the domain of the google.rpc.ErrorInfo details that
// [Status] adds, unless [WithDomain] gives another.
const DefaultDomain = "supportkit"

// ReferenceKey is the key of the reference ID in an ErrorInfo's metadata
// and the errorsx field of a client-side error; the same name as the
// reference in an HTTP problem ("reference_id").
const ReferenceKey = "reference_id"

// Status returns the gRPC status a client gets for err, with referenceID
// (an event ID or a trace ID; may be empty) in its details, as the package
// documentation describes. A nil err is codes.OK. An error that is itself
// a status error (it has a GRPCStatus method and is not an errorsx error)
// is returned as its own status.
// Of the options, only [WithDomain] applies here.
func Status(err error, referenceID string, opts ...Option) *status.Status {
	return statusOf(err, referenceID, domainOf(opts))
}

func domainOf(opts []Option) string {
	if len(opts) == 0 {
		return DefaultDomain
	}
	return newConfig(opts).domain
}

// Error returns the error a server handler or interceptor returns to gRPC
// for err: gRPC sends its status, [Status](err, referenceID), while
// errors.Is and errors.As still reach err, so that interceptors and stats
// handlers further out (package tracing/grpctracing's, say) see what the
// handler returned. A nil err is nil; an error that already carries a
// status (a status error, or one this function made) is returned as it is.
// Of the options, only [WithDomain] applies here.
func Error(err error, referenceID string, opts ...Option) error {
	return errorOf(err, referenceID, domainOf(opts))
}

func errorOf(err error, ref, domain string) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		if _, isX := err.(*errorsx.Error); !isX {
			return err
		}
	}
	return &statusError{st: statusOf(err, ref, domain), err: err}
}

// Unwrap returns the handler's error inside an error that [Error] made, or
// err itself for any other error.
func Unwrap(err error) error {
	if se, ok := err.(*statusError); ok {
		return se.err
	}
	return err
}

// statusError is what [Error] returns: a status for the wire, the
// handler's error for whoever unwraps it.
type statusError struct {
	st  *status.Status
	err error
}

func (e *statusError) Error() string              { return e.err.Error() }
func (e *statusError) Unwrap() error              { return e.err }
func (e *statusError) GRPCStatus() *status.Status { return e.st }

func statusOf(err error, ref, domain string) *status.Status {
	if err == nil {
		return status.New(codes.OK, "")
	}
	if gs, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		if _, isX := err.(*errorsx.Error); !isX {
			if st := gs.GRPCStatus(); st != nil {
				return st
			}
		}
	}
	code := errorsx.CodeOf(err)
	msg := errorsx.ProblemOf(err, ref).Detail
	if code == errorsx.Unknown {
		if peer := wrappedStatus(err); peer != nil && peer.Code() != codes.OK {
			code = ErrorsxCode(peer.Code())
			msg = errorsx.PublicOf(err)
			switch {
			case msg != "":
			case code.HTTPStatus() >= 500:
				msg = statusText(code.HTTPStatus())
			default:
				msg = peer.Message()
			}
		}
	}
	st := status.New(GRPCCode(code), msg)
	info := &errdetails.ErrorInfo{Reason: code.String(), Domain: domain}
	details := []protoadapt.MessageV1{info}
	if ref != "" {
		info.Metadata = map[string]string{ReferenceKey: ref}
		details = append(details, &errdetails.RequestInfo{RequestId: ref})
	}
	if withDetails, err := st.WithDetails(details...); err == nil {
		st = withDetails
	}
	return st
}

// CodeOf returns the errorsx code err is answered with: [errorsx.CodeOf]'s,
// except that an error without an errorsx code that carries a gRPC status
// (a status error, wrapped or not: a peer's answer passed on) has its gRPC
// code's ([ErrorsxCode]).
func CodeOf(err error) errorsx.Code {
	code := errorsx.CodeOf(err)
	if code == errorsx.Unknown {
		if st := wrappedStatus(err); st != nil && st.Code() != codes.OK {
			return ErrorsxCode(st.Code())
		}
	}
	return code
}

// wrappedStatus returns the status err carries anywhere in its chain, or
// nil.
func wrappedStatus(err error) *status.Status {
	var gs interface{ GRPCStatus() *status.Status }
	if errors.As(err, &gs) {
		return gs.GRPCStatus()
	}
	return nil
}

func statusText(code int) string {
	if code == 499 {
		return "Client Closed Request"
	}
	return http.StatusText(code)
}

// GRPCCode returns the gRPC code of an errorsx code: the canonical code of
// the same name, or for an application code ([errorsx.NewCode]) the one
// its HTTP status maps to (404 NotFound, 409 Aborted, 429
// ResourceExhausted, another 4xx FailedPrecondition, 503 Unavailable, 504
// DeadlineExceeded, another 5xx Internal).
func GRPCCode(c errorsx.Code) codes.Code {
	for i, x := range canonical {
		if x == c {
			return codes.Code(i)
		}
	}
	switch s := c.HTTPStatus(); s {
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusConflict:
		return codes.Aborted
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case 499:
		return codes.Canceled
	case http.StatusNotImplemented:
		return codes.Unimplemented
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	case http.StatusGatewayTimeout:
		return codes.DeadlineExceeded
	default:
		if s < 500 {
			return codes.FailedPrecondition
		}
		return codes.Internal
	}
}

// ErrorsxCode returns the errorsx code of a gRPC code: the canonical code
// of the same name, Unknown for a code gRPC does not define.
func ErrorsxCode(c codes.Code) errorsx.Code {
	if int(c) < len(canonical) {
		return canonical[c]
	}
	return errorsx.Unknown
}

// canonical lists the errorsx codes by their gRPC code's number.
var canonical = [...]errorsx.Code{
	codes.OK:                 errorsx.OK,
	codes.Canceled:           errorsx.Canceled,
	codes.Unknown:            errorsx.Unknown,
	codes.InvalidArgument:    errorsx.InvalidArgument,
	codes.DeadlineExceeded:   errorsx.DeadlineExceeded,
	codes.NotFound:           errorsx.NotFound,
	codes.AlreadyExists:      errorsx.AlreadyExists,
	codes.PermissionDenied:   errorsx.PermissionDenied,
	codes.ResourceExhausted:  errorsx.ResourceExhausted,
	codes.FailedPrecondition: errorsx.FailedPrecondition,
	codes.Aborted:            errorsx.Aborted,
	codes.OutOfRange:         errorsx.OutOfRange,
	codes.Unimplemented:      errorsx.Unimplemented,
	codes.Internal:           errorsx.Internal,
	codes.Unavailable:        errorsx.Unavailable,
	codes.DataLoss:           errorsx.DataLoss,
	codes.Unauthenticated:    errorsx.Unauthenticated,
}

// FromStatus returns the errorsx error a client should handle for st: nil
// for nil or codes.OK; otherwise an error whose code is the one the
// ErrorInfo's reason names when it is a canonical errorsx code, else the
// gRPC code's ([ErrorsxCode]); whose message (Error) is the status
// message; and whose fields are "grpc_code" (the gRPC code's name) and,
// when the status carries one, "reference_id". Its stack starts at the
// caller.
//
// It still carries st: status.Code, status.FromError and status.Convert
// find it, so that code written for grpc-go's errors keeps working. For a
// code that maps to a 4xx status the message is also the error's public
// message ([errorsx.Public]): returned as it is by a handler of this
// service, it reaches this service's client as the peer's client would
// have seen it; a 5xx one is answered with the status text, as any 5xx.
func FromStatus(st *status.Status) error {
	return fromStatus(st, 1)
}

func fromStatus(st *status.Status, skip int) error {
	if st == nil || st.Code() == codes.OK {
		return nil
	}
	code := ErrorsxCode(st.Code())
	var ref string
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			if c, ok := errorsx.LookupCode(d.GetReason()); ok && c != errorsx.OK {
				code = c
			}
			if r := d.GetMetadata()[ReferenceKey]; r != "" {
				ref = r
			}
		case *errdetails.RequestInfo:
			if ref == "" {
				ref = d.GetRequestId()
			}
		}
	}
	kv := []any{"grpc_code", st.Code().String()}
	if ref != "" {
		kv = append(kv, ReferenceKey, ref)
	}
	if code.HTTPStatus() < 500 && st.Message() != "" {
		kv = append(kv, errorsx.Public(st.Message()))
	}
	return errorsx.WrapSkip(skip+1, &remoteStatus{st: st}, code, "", kv...)
}

// remoteStatus is the status a peer answered with, as the cause of the
// error [FromStatus] returns: its text is the status message, and grpc-go's
// status functions find the status through it.
type remoteStatus struct{ st *status.Status }

func (r *remoteStatus) Error() string              { return r.st.Message() }
func (r *remoteStatus) GRPCStatus() *status.Status { return r.st }

// FromError returns [FromStatus] of the status err carries (status.FromError
// finds it, through wrapping too), or err itself when it carries none or
// is already one FromStatus made (a nil err is nil).
func FromError(err error) error {
	if err == nil {
		return nil
	}
	var rs *remoteStatus
	if errors.As(err, &rs) {
		return err
	}
	var gs interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &gs) {
		return err
	}
	return fromStatus(gs.GRPCStatus(), 1)
}

// ReferenceOf returns the reference ID a client-side error carries (the
// "reference_id" field [FromStatus] sets), or "".
func ReferenceOf(err error) string {
	for _, f := range errorsx.FieldsOf(err) {
		if f.Key == ReferenceKey {
			if s, ok := f.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}
