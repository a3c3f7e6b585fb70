package reporting_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestMiddlewarePanicAfterResponseStarted: a panic after the handler has
// begun its response is reported and logged, but no second response is
// written into the first; the connection is aborted (as net/http does for
// an unrecovered panic), so the client cannot take the partial body for a
// whole one.
func TestMiddlewarePanicAfterResponseStarted(t *testing.T) {
	tests := []struct {
		name  string
		start func(w http.ResponseWriter)
	}{
		{"WriteHeader", func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) }},
		{"Write", func(w http.ResponseWriter) { _, _ = io.WriteString(w, "partial") }},
		{"Flush", func(w http.ResponseWriter) { _ = http.NewResponseController(w).Flush() }},
		{"ReadFrom", func(w http.ResponseWriter) { _, _ = w.(io.ReaderFrom).ReadFrom(strings.NewReader("partial")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, logs := observer.New(zap.DebugLevel)
			rec := reportingtest.New(t, reporting.WithLogger(zap.New(obs)))
			h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				tt.start(w)
				panic("too late")
			}))
			w := httptest.NewRecorder()
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			}()
			got := map[string]any{
				"re-panic":     recovered == http.ErrAbortHandler, //nolint:errorlint
				"content-type": w.Header().Get("Content-Type"),
				"problem":      strings.Contains(w.Body.String(), "problem") || strings.Contains(w.Body.String(), "Internal"),
				"events":       len(rec.Events()),
				"logged":       logs.FilterMessage("panic in HTTP handler").Len(),
			}
			want := map[string]any{"re-panic": true, "content-type": "", "problem": false, "events": 1, "logged": 1}
			if tt.name == "Write" || tt.name == "ReadFrom" {
				want["content-type"] = "text/plain; charset=utf-8" // sniffed by the recorder for "partial"
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMiddlewareKeepsWriterInterfaces: the writer a handler gets still
// flushes, hijacks and unwraps to the server's own.
func TestMiddlewareKeepsWriterInterfaces(t *testing.T) {
	rec := reportingtest.New(t)
	srv := httptest.NewServer(rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hijack" {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("Hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
			_ = buf.Flush()
			return
		}
		_, _ = io.WriteString(w, "a")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		_, _ = io.WriteString(w, "b")
	})))
	t.Cleanup(srv.Close)
	for path, want := range map[string]string{"/": "ab", "/hijack": "hi"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = conn.Close()
		if string(body) != want {
			t.Errorf("%s: body %q, want %q", path, body, want)
		}
	}
}
