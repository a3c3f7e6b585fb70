// Package tracingtest lets tests assert the spans their code creates, as
// net/http/httptest does for HTTP: it records every ended span in memory,
// synchronously, so that a test can look at them as soon as the code
// under test returns.
//
//	func TestGetOrder(t *testing.T) {
//		rec := tracingtest.New(t)
//		h := tracing.Middleware()(newMux())
//		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/1", nil))
//		if _, ok := rec.Span("GET /orders/{id}"); !ok {
//			t.Errorf("no span GET /orders/{id}; got %v", rec.Names())
//		}
//	}
package tracingtest
