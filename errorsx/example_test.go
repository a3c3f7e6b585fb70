package errorsx_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

func ExampleNew() {
	err := errorsx.New("disk full", "path", "/var/data", "free_bytes", 0)
	fmt.Println(err)
	fmt.Println(errorsx.CodeOf(err), errorsx.FieldsOf(err))
	// Output:
	// disk full
	// unknown [{path /var/data false} {free_bytes 0 false}]
}

func ExampleCode_New() {
	err := errorsx.NotFound.New("order not found", "order_id", 42)
	fmt.Println(err, errorsx.CodeOf(err), errorsx.CodeOf(err).HTTPStatus())
	fmt.Println(errors.Is(err, errorsx.NotFound))
	// Output:
	// order not found not_found 404
	// true
}

func ExampleWrap() {
	err := errorsx.Wrap(io.ErrUnexpectedEOF, "read config", "file", "app.yaml")
	err = errorsx.Internal.Wrap(err, "start")
	fmt.Println(err)
	fmt.Println(errorsx.CodeOf(err), errors.Is(err, io.ErrUnexpectedEOF))
	fmt.Println(errorsx.Wrap(nil, "nothing to wrap") == nil)
	// Output:
	// start: read config: unexpected EOF
	// internal true
	// true
}

func ExampleErrorf() {
	err := errorsx.Errorf("load user %d: %w", 7, io.EOF)
	fmt.Println(err, errors.Is(err, io.EOF))
	// Output: load user 7: EOF true
}

func ExampleNewCode() {
	paymentDeclined := errorsx.NewCode("payment_declined", http.StatusPaymentRequired)
	err := errorsx.Wrap(paymentDeclined.New("card declined"), "checkout")
	fmt.Println(errorsx.CodeOf(err), errorsx.CodeOf(err).HTTPStatus(), errors.Is(err, paymentDeclined))
	// Output: payment_declined 402 true
}

func ExampleSecret() {
	err := errorsx.Unauthenticated.New("token rejected", "user", "ana", "token", errorsx.Secret("eyJhbGciOi..."))
	fmt.Println(errorsx.FieldsOf(err))
	fmt.Printf("%v\n", errorsx.Errorf("bad token %s", errorsx.Secret("eyJhbGciOi...")))
	// Output:
	// [{user ana false} {token [REDACTED] true}]
	// bad token [REDACTED]
}

func ExamplePublic() {
	err := errorsx.Unavailable.Wrap(io.EOF, "payment gateway: read reply",
		errorsx.Public("Payments are paused; try again in a minute."))
	fmt.Println(errorsx.PublicOf(err))
	fmt.Println(errorsx.ProblemOf(err, "").Detail)
	// Output:
	// Payments are paused; try again in a minute.
	// Payments are paused; try again in a minute.
}

func ExampleWith() {
	err := errorsx.With(errorsx.New("timeout"), "attempt", 3)
	fmt.Println(err, errorsx.FieldsOf(err))
	// Output: timeout [{attempt 3 false}]
}

func ExampleJoin() {
	err := errorsx.Join(errorsx.InvalidArgument.New("name is empty"), nil, errorsx.InvalidArgument.New("age is negative"))
	fmt.Println(err)
	fmt.Println(len(err.(interface{ Errors() []error }).Errors()))
	// Output:
	// name is empty
	// age is negative
	// 2
}

func ExampleStackOf() {
	err := errorsx.New("boom")
	fmt.Println(errorsx.StackOf(err)[0].Function)
	// Output: github.com/supportkit/supportkit/errorsx_test.ExampleStackOf
}

func ExampleNewSkip() {
	// A helper that validates input makes its errors point at its caller.
	required := func(name, v string) error {
		if v == "" {
			return errorsx.NewSkip(1, errorsx.InvalidArgument, name+" is required")
		}
		return nil
	}
	err := required("email", "")
	fmt.Println(err, errorsx.StackOf(err)[0].Function)
	// Output: email is required github.com/supportkit/supportkit/errorsx_test.ExampleNewSkip
}

func ExampleZap() {
	err := errorsx.Wrap(errorsx.NotFound.New("order not found", "order_id", 42, "token", errorsx.Secret("t0k")), "load order")

	// In a service: log.Error("request failed", errorsx.Zap(err)). Here the
	// field is added to a map encoder to show its structure.
	enc := zapcore.NewMapObjectEncoder()
	errorsx.Zap(err).AddTo(enc)
	obj := enc.Fields["error"].(map[string]any)
	fmt.Println(obj["message"])
	fmt.Println(obj["code"])
	fmt.Println(obj["fields"])
	frame := obj["stack"].([]any)[0].(map[string]any)
	fmt.Println(frame["function"])
	// Output:
	// load order: order not found
	// not_found
	// map[order_id:42 token:[REDACTED]]
	// github.com/supportkit/supportkit/errorsx_test.ExampleZap
}

func ExampleAttr() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == "time" || a.Key == "stack" {
			return slog.Attr{} // stable output for the example
		}
		return a
	}}))
	err := errorsx.Internal.Wrap(io.EOF, "query", "table", "orders")
	log.Error("request failed", errorsx.Attr(err))
	// Output: {"level":"ERROR","msg":"request failed","error":{"message":"query: EOF","code":"internal","fields":{"table":"orders"}}}
}

func ExampleWriteProblem() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		err := errorsx.Internal.Wrap(io.EOF, "query orders", "dsn", errorsx.Secret("postgres://..."))
		errorsx.WriteProblem(w, r, err, "4bf92f3577b34da6a3ce929d0e0e4736")
	}
	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest("GET", "/orders", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 500 application/problem+json
	// {"title":"Internal Server Error","status":500,"detail":"Internal Server Error","instance":"/orders","code":"internal","reference_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
}

func ExampleError_Format() {
	err := errorsx.Wrap(errorsx.NotFound.New("order not found"), "load order")
	fmt.Printf("%v\n", err)
	fmt.Printf("%q\n", err)
	// %+v adds the layers with code, fields and frames; see the method's
	// documentation for its shape.
	// Output:
	// load order: order not found
	// "load order: order not found"
}

func ExampleFormatValue() {
	type login struct {
		user     string
		password errorsx.SecretValue
	}
	v := login{user: "ann", password: errorsx.Secret("hunter2")}
	fmt.Println(errorsx.FormatValue(v))
	fmt.Println(errorsx.FormatValue(map[string]any{"token": errorsx.Secret("t0k"), "n": 1}))
	// Output:
	// {ann [REDACTED]}
	// map[n:1 token:[REDACTED]]
}
