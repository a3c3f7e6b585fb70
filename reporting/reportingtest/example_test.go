package reportingtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// A test asserts what a handler reports when it panics. (Examples get no
// *testing.T, so this one is compiled, not run; the package's own tests
// run the same code.)
func ExampleNew() {
	var t *testing.T // in a test: func TestCheckout(t *testing.T)

	rec := reportingtest.New(t)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("checkout: cart is nil")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/checkout", nil))

	events := rec.Events()
	if len(events) != 1 || events[0].Exception[0].Value != "checkout: cart is nil" {
		t.Errorf("got %d events, want one for the panic", len(events))
	}
}
