package metrics

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/supportkit/supportkit/errorsx"
)

type exchangeKey struct{}

// exchange is one measured request: the context handed down (so that
// SetErrorCode finds it), and the response writer that notes the status.
// One allocation serves both.
type exchange struct {
	context.Context
	w      http.ResponseWriter
	status int // the final status written; 0 before

	mu   sync.Mutex
	code errorsx.Code
}

func (ex *exchange) Value(key any) any {
	if key == (exchangeKey{}) {
		return ex
	}
	return ex.Context.Value(key)
}

func (ex *exchange) errorCode() errorsx.Code {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.code
}

func (ex *exchange) Header() http.Header { return ex.w.Header() }

func (ex *exchange) WriteHeader(code int) {
	// 1xx answers are informational (103 Early Hints); the final status
	// comes later. 101 Switching Protocols is final.
	if ex.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		ex.status = code
	}
	ex.w.WriteHeader(code)
}

func (ex *exchange) Write(b []byte) (int, error) {
	if ex.status == 0 {
		ex.status = http.StatusOK
	}
	return ex.w.Write(b)
}

// ReadFrom keeps io.Copy's sendfile path of the server's writer.
func (ex *exchange) ReadFrom(src io.Reader) (int64, error) {
	if ex.status == 0 {
		ex.status = http.StatusOK
	}
	if rf, ok := ex.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{ex.w}, src)
}

// Flush, Hijack and Unwrap keep what the server's writer can do reachable
// both by type assertion and by http.ResponseController.
func (ex *exchange) Flush() {
	if ex.status == 0 {
		ex.status = http.StatusOK
	}
	_ = http.NewResponseController(ex.w).Flush()
}

func (ex *exchange) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(ex.w).Hijack()
	if err == nil && ex.status == 0 {
		ex.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

func (ex *exchange) Unwrap() http.ResponseWriter { return ex.w }

type writerOnly struct{ io.Writer }
