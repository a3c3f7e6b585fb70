package reporting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// outboxEvents prints the exceptions of the events in an outbox.
func outboxEvents(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.envelope"))
	sort.Strings(files)
	for _, f := range files {
		data, _ := os.ReadFile(f)
		env, _ := outbox.Parse(data)
		evs, _ := env.Events()
		for _, ev := range evs {
			for _, x := range ev.Exception {
				fmt.Printf("  %s: %s\n", x.Type, x.Value)
			}
		}
	}
}

// A service without SENTRY_DSN keeps its reports in the outbox: here a
// handler panics, the client gets a problem with the event ID, and the
// event waits in the outbox as an envelope file.
func Example() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0), reporting.WithRelease("v1.2.3"))
	if err != nil {
		fmt.Println(err)
		return
	}
	h := rep.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("nil order")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/orders/1", nil))
	_ = rep.Shutdown(context.Background())

	var p errorsx.Problem
	_ = json.Unmarshal(w.Body.Bytes(), &p)
	fmt.Println(w.Code, w.Header().Get("Content-Type"), len(p.ReferenceID))
	outboxEvents(dir)
	// Output:
	// 500 application/problem+json 32
	//   panic: nil order
}

// Capture reports an error with one exception per layer, titled by code.
func ExampleCapture() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	rep, _ := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0), reporting.WithRelease("v1"))
	ctx := rep.Bind(context.Background())

	err := errorsx.Unavailable.New("connection refused", "host", "db-1")
	err = errorsx.Internal.Wrap(err, "load order", "order_id", 42)
	id := reporting.Capture(ctx, err)
	_ = rep.Shutdown(context.Background())

	fmt.Println(len(id))
	outboxEvents(dir)
	// Output:
	// 32
	//   unavailable: connection refused
	//   internal: load order: connection refused
}

// WrapCore turns error logs into events and names the event in the line.
func ExampleReporter_WrapCore() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	rep, _ := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0), reporting.WithRelease("v1"))
	var lines bytes.Buffer
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
	log := zap.New(zapcore.NewCore(enc, zapcore.AddSync(&lines), zap.InfoLevel)).WithOptions(zap.WrapCore(rep.WrapCore))

	ctx := rep.Bind(context.Background())
	log.Info("charging card", reporting.LogContext(ctx)) // a breadcrumb of ctx's events
	log.Error("charge failed", reporting.LogContext(ctx), zap.Error(errorsx.Unavailable.New("gateway down")))
	_ = rep.Shutdown(context.Background())

	for _, l := range bytes.Split(bytes.TrimSpace(lines.Bytes()), []byte("\n")) {
		var m map[string]any
		_ = json.Unmarshal(l, &m)
		id, _ := m["event_id"].(string)
		fmt.Println(m["level"], m["msg"], "event_id:", len(id) == 32)
	}
	outboxEvents(dir)
	// Output:
	// info charging card event_id: false
	// error charge failed event_id: true
	//   unavailable: gateway down
}

// Go runs a goroutine whose panic is reported and recovered.
func ExampleGo() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	rep, _ := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0), reporting.WithRelease("v1"))
	done := make(chan struct{})
	reporting.Go(rep.Bind(context.Background()), func(ctx context.Context) {
		defer close(done)
		var m map[string]int
		m["x"]++ // assignment to entry in nil map
	})
	<-done
	for rep.Stats().Captured == 0 { // Go reports after fn has returned
		time.Sleep(time.Millisecond)
	}
	_ = rep.Shutdown(context.Background())
	outboxEvents(dir)
	// Output:
	//   panic: assignment to entry in nil map
}
