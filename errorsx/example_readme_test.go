package errorsx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

// The README's errorsx snippet is lookupOrder, fetchOrder and orderHandler as
// written here (the root package's TestReadmeSnippets checks it);
// Example_readme runs them.

// Where the error starts: a code, fields, a secret, a message for end users.
func lookupOrder(id, tok string) error {
	return errorsx.NotFound.New("order not found", "order_id", id,
		"token", errorsx.Secret(tok),
		errorsx.Public("There is no order with this ID."))
}

// On the way up: context, without repeating the stack.
func fetchOrder(id, tok, user string) error {
	err := lookupOrder(id, tok)
	if err != nil {
		return errorsx.Wrap(err, "load order", "user_id", user)
	}
	return nil
}

// At the edge: one log line, one answer.
func orderHandler(log *zap.Logger, w http.ResponseWriter, r *http.Request, referenceID string) {
	if err := fetchOrder(r.PathValue("id"), r.Header.Get("X-Token"), r.Header.Get("X-User")); err != nil {
		log.Error("request failed", errorsx.Zap(err))
		errorsx.WriteProblem(w, r, err, referenceID)
	}
}

// The README's snippet: an error made where it starts, wrapped on the way
// up, logged and answered at the edge.
func Example_readme() {
	var logs bytes.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg"}), zapcore.AddSync(&logs), zap.InfoLevel))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		orderHandler(log, w, r, "4bf92f3577b34da6a3ce929d0e0e4736")
	})
	req := httptest.NewRequest("GET", "/orders/42", nil)
	req.Header.Set("X-Token", "s3cr3t-t0ken")
	req.Header.Set("X-User", "7")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)

	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	os.Stdout.Write(w.Body.Bytes())

	// The log line, without the stack (its file paths depend on the checkout).
	var line struct {
		Msg   string `json:"msg"`
		Error struct {
			Message string
			Code    string
			Public  string
			Fields  json.RawMessage
			Stack   []struct{ Function string }
		}
	}
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %s (%s; %s) %s\n", line.Msg, line.Error.Message, line.Error.Code, line.Error.Public, line.Error.Fields)
	for _, f := range line.Error.Stack[:2] {
		fmt.Println("  at", f.Function)
	}
	// Output:
	// 404 application/problem+json
	// {"title":"Not Found","status":404,"detail":"There is no order with this ID.","instance":"/orders/42","code":"not_found","reference_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
	// request failed: load order: order not found (not_found; There is no order with this ID.) {"order_id":"42","token":"[REDACTED]","user_id":"7"}
	//   at github.com/supportkit/supportkit/errorsx_test.lookupOrder
	//   at github.com/supportkit/supportkit/errorsx_test.fetchOrder
}
