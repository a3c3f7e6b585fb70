package grpcerrors_test

import (
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
)

var paymentDeclined = errorsx.NewCode("payment_declined", http.StatusPaymentRequired)

// wire is what a client reads of a status.
type wire struct {
	Code    codes.Code
	Message string
	Details []proto.Message
}

func wireOf(st *status.Status) wire {
	w := wire{Code: st.Code(), Message: st.Message()}
	for _, d := range st.Details() {
		w.Details = append(w.Details, d.(proto.Message))
	}
	return w
}

func details(reason, ref string) []proto.Message {
	info := &errdetails.ErrorInfo{Reason: reason, Domain: grpcerrors.DefaultDomain}
	if ref == "" {
		return []proto.Message{info}
	}
	info.Metadata = map[string]string{"reference_id": ref}
	return []proto.Message{info, &errdetails.RequestInfo{RequestId: ref}}
}

func TestStatus(t *testing.T) {
	const ref = "4bf92f3577b34da6a3ce929d0e0e4736"
	secret := "password=hunter2 at db-7.internal"
	tests := []struct {
		name string
		err  error
		ref  string
		want wire
	}{
		{"not found", errorsx.NotFound.New("order not found", "order_id", 42), ref,
			wire{codes.NotFound, "order not found", details("not_found", ref)}},
		{"wrapped 4xx keeps the coded layer's message", errorsx.Wrap(errorsx.InvalidArgument.New("bad id: "+secret), "handler"), ref,
			wire{codes.InvalidArgument, "bad id: " + secret, details("invalid_argument", ref)}},
		{"internal hides its text", errorsx.Internal.Wrap(errors.New(secret), "query orders"), ref,
			wire{codes.Internal, "Internal Server Error", details("internal", ref)}},
		{"unavailable hides its text", errorsx.Unavailable.New("dial " + secret), ref,
			wire{codes.Unavailable, "Service Unavailable", details("unavailable", ref)}},
		{"data loss hides its text", errorsx.DataLoss.New(secret), ref,
			wire{codes.DataLoss, "Internal Server Error", details("data_loss", ref)}},
		{"public message of a 5xx", errorsx.Unavailable.New(secret, errorsx.Public("the payment service is down, try again")), ref,
			wire{codes.Unavailable, "the payment service is down, try again", details("unavailable", ref)}},
		{"foreign error is unknown", errors.New(secret), ref,
			wire{codes.Unknown, "Internal Server Error", details("unknown", ref)}},
		{"bare code", errorsx.NotFound, ref,
			wire{codes.NotFound, "", details("not_found", ref)}},
		{"application code by its HTTP status", paymentDeclined.New("card declined"), ref,
			wire{codes.FailedPrecondition, "card declined", details("payment_declined", ref)}},
		{"context deadline", fmt.Errorf("load: %w", errDeadline()), ref,
			wire{codes.DeadlineExceeded, "Gateway Timeout", details("deadline_exceeded", ref)}},
		{"no reference", errorsx.NotFound.New("gone"), "",
			wire{codes.NotFound, "gone", details("not_found", "")}},
		{"a status error goes out as it is", status.Error(codes.ResourceExhausted, "slow down"), ref,
			wire{codes.ResourceExhausted, "slow down", nil}},
		{"a wrapped 4xx status keeps its code and message", errorsx.Wrap(status.Error(codes.NotFound, "no such customer"), "load customer"), ref,
			wire{codes.NotFound, "no such customer", details("not_found", ref)}},
		{"a wrapped 5xx status keeps its code, not its text", fmt.Errorf("load customer: %w", status.Error(codes.Unavailable, "dial "+secret)), ref,
			wire{codes.Unavailable, "Service Unavailable", details("unavailable", ref)}},
		{"nil is OK", nil, ref, wire{codes.OK, "", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wireOf(grpcerrors.Status(tt.err, tt.ref))
			if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("Status mismatch (-want +got):\n%s", diff)
			}
			if tt.err != nil && errorsx.CodeOf(tt.err).HTTPStatus() >= 500 && strings.Contains(fmt.Sprint(got), "hunter2") {
				t.Errorf("a 5xx status carries the internal text: %v", got)
			}
		})
	}
}

func errDeadline() error {
	ctx, cancel := contextWithDeadlinePassed()
	defer cancel()
	return ctx.Err()
}

func TestCodesRoundTrip(t *testing.T) {
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		x := grpcerrors.ErrorsxCode(c)
		if got := grpcerrors.GRPCCode(x); got != c {
			t.Errorf("GRPCCode(ErrorsxCode(%v)) = %v", c, got)
		}
		if !strings.EqualFold(strings.ReplaceAll(c.String(), "_", ""), strings.ReplaceAll(x.String(), "_", "")) &&
			!(c == codes.Canceled && x == errorsx.Canceled) {
			t.Errorf("ErrorsxCode(%v) = %v, not the same name", c, x)
		}
	}
	if got := grpcerrors.ErrorsxCode(codes.Code(99)); got != errorsx.Unknown {
		t.Errorf("ErrorsxCode(99) = %v, want unknown", got)
	}
}

func TestFromStatus(t *testing.T) {
	const ref = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		name               string
		st                 *status.Status
		code               errorsx.Code
		msg, refGot, grpcC string
	}{
		{"ours", grpcerrors.Status(errorsx.NotFound.New("order not found"), ref), errorsx.NotFound, "order not found", ref, "NotFound"},
		{"reason wins over the gRPC code", grpcerrors.Status(errorsx.DataLoss.New("x"), ref), errorsx.DataLoss, "Internal Server Error", ref, "DataLoss"},
		{"application code falls back to the gRPC code", grpcerrors.Status(paymentDeclined.New("card declined"), ""), errorsx.FailedPrecondition, "card declined", "", "FailedPrecondition"},
		{"plain status", status.New(codes.Unavailable, "connection refused"), errorsx.Unavailable, "connection refused", "", "Unavailable"},
		{"request info alone", withDetails(t, status.New(codes.Internal, "boom"), &errdetails.RequestInfo{RequestId: "abc"}), errorsx.Internal, "boom", "abc", "Internal"},
		{"reason ok is not an error code", withDetails(t, status.New(codes.Internal, "boom"), &errdetails.ErrorInfo{Reason: "ok"}), errorsx.Internal, "boom", "", "Internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := grpcerrors.FromStatus(tt.st)
			type view struct{ Code, Msg, Ref, GRPC string }
			got := view{errorsx.CodeOf(err).String(), err.Error(), grpcerrors.ReferenceOf(err), grpcCodeField(err)}
			want := view{tt.code.String(), tt.msg, tt.refGot, tt.grpcC}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("FromStatus mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(err, tt.code) {
				t.Errorf("errors.Is(err, %v) = false", tt.code)
			}
		})
	}
	if err := grpcerrors.FromStatus(status.New(codes.OK, "")); err != nil {
		t.Errorf("FromStatus(OK) = %v, want nil", err)
	}
	if err := grpcerrors.FromStatus(nil); err != nil {
		t.Errorf("FromStatus(nil) = %v, want nil", err)
	}
}

func TestFromError(t *testing.T) {
	plain := errors.New("not a status")
	if got := grpcerrors.FromError(plain); got != plain {
		t.Errorf("FromError(plain) = %v, want the error itself", got)
	}
	if got := grpcerrors.FromError(nil); got != nil {
		t.Errorf("FromError(nil) = %v", got)
	}
	wrapped := fmt.Errorf("call: %w", status.Error(codes.NotFound, "no such order"))
	if got := grpcerrors.FromError(wrapped); !errors.Is(got, errorsx.NotFound) || got.Error() != "no such order" {
		t.Errorf("FromError(wrapped status) = %v (%v), want not_found \"no such order\"", got, errorsx.CodeOf(got))
	}
}

func grpcCodeField(err error) string {
	for _, f := range errorsx.FieldsOf(err) {
		if f.Key == "grpc_code" {
			return fmt.Sprint(f.Value)
		}
	}
	return ""
}

func withDetails(t *testing.T, st *status.Status, d ...proto.Message) *status.Status {
	t.Helper()
	p := st.Proto()
	for _, m := range d {
		st2, err := status.FromProto(p).WithDetails(protoadaptV1(m))
		if err != nil {
			t.Fatal(err)
		}
		p = st2.Proto()
	}
	return status.FromProto(p)
}

// TestErrorsxImportsNoGRPC holds DESIGN.md's rule: importing errorsx alone
// pulls in neither gRPC nor protobuf nor otel.
func TestErrorsxImportsNoGRPC(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/supportkit/supportkit/errorsx").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"google.golang.org/grpc", "google.golang.org/protobuf", "go.opentelemetry.io", "github.com/getsentry"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("errorsx depends on %s", dep)
			}
		}
	}
}

func TestErrorKeepsTheHandlersError(t *testing.T) {
	cause := errorsx.Unavailable.New("dial db")
	err := grpcerrors.Error(cause, "ref")
	if !errors.Is(err, cause) || !errors.Is(err, errorsx.Unavailable) {
		t.Errorf("Error(%v) does not unwrap to the handler's error", cause)
	}
	got := wireOf(status.Convert(err))
	want := wire{codes.Unavailable, "Service Unavailable", details("unavailable", "ref")}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("status of Error mismatch (-want +got):\n%s", diff)
	}
	if again := grpcerrors.Error(err, "other"); again != err {
		t.Errorf("Error of an Error made a new one: %v", again)
	}
	if grpcerrors.Error(nil, "ref") != nil {
		t.Errorf("Error(nil) is not nil")
	}
}

func TestUnwrap(t *testing.T) {
	cause := errorsx.Internal.New("x")
	if got := grpcerrors.Unwrap(grpcerrors.Error(cause, "ref")); got != cause {
		t.Errorf("Unwrap(Error(cause)) = %v, want cause", got)
	}
	st := status.Error(codes.Internal, "y")
	if got := grpcerrors.Unwrap(st); got != st {
		t.Errorf("Unwrap(status error) = %v, want it unchanged", got)
	}
}

// TestFromStatusKeepsTheStatus: grpc-go's own functions still read the
// status of a converted error, and converting twice changes nothing.
func TestFromStatusKeepsTheStatus(t *testing.T) {
	st := grpcerrors.Status(errorsx.NotFound.New("order 42 not found"), "ref-1")
	err := grpcerrors.FromStatus(st)
	wrapped := errorsx.Wrap(err, "load order")
	type view struct {
		Code       codes.Code
		Message    string
		Details    int
		Idempotent bool
	}
	got := view{status.Code(wrapped), status.Convert(err).Message(), len(status.Convert(wrapped).Details()), grpcerrors.FromError(wrapped) == wrapped}
	if diff := cmp.Diff(view{codes.NotFound, "order 42 not found", 2, true}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestPassedOn: a peer's error that a handler returns as it is reaches
// this service's client with the same code; a 4xx with the peer's message,
// a 5xx with the status text only; the reference is this service's.
func TestPassedOn(t *testing.T) {
	for _, tt := range []struct {
		peer *status.Status
		want wire
	}{
		{status.New(codes.NotFound, "no such customer"), wire{codes.NotFound, "no such customer", details("not_found", "ours")}},
		{status.New(codes.Internal, "db password=hunter2"), wire{codes.Internal, "Internal Server Error", details("internal", "ours")}},
	} {
		got := wireOf(grpcerrors.Status(grpcerrors.FromStatus(tt.peer), "ours"))
		if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
			t.Errorf("passed on %v mismatch (-want +got):\n%s", tt.peer.Code(), diff)
		}
	}
}

func TestFromStatusStackStartsAtTheCaller(t *testing.T) {
	err := grpcerrors.FromStatus(status.New(codes.Internal, "x"))
	frames := errorsx.StackOf(err)
	if len(frames) == 0 || !strings.HasSuffix(frames[0].Function, "TestFromStatusStackStartsAtTheCaller") {
		t.Errorf("stack starts at %v, want the caller", frames)
	}
}
