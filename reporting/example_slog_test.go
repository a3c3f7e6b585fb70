package reporting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
)

// SlogHandler does for log/slog what WrapCore does for zap: a request's
// records become breadcrumbs, error records events, and the line passed
// on names the event.
func ExampleReporter_SlogHandler() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	rep, _ := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(dir, 0), reporting.WithRelease("v1"))
	var lines bytes.Buffer
	log := slog.New(rep.SlogHandler(slog.NewJSONHandler(&lines, nil)))

	ctx := rep.Bind(context.Background())                 // in a handler: r.Context() under rep.Middleware
	log.InfoContext(ctx, "charging card", "order", "o-1") // a breadcrumb of ctx's events
	log.ErrorContext(ctx, "charge failed", errorsx.Attr(errorsx.Unavailable.New("gateway down")))
	_ = rep.Shutdown(context.Background())

	for _, l := range bytes.Split(bytes.TrimSpace(lines.Bytes()), []byte("\n")) {
		var m map[string]any
		_ = json.Unmarshal(l, &m)
		id, _ := m[reporting.EventIDKey].(string)
		fmt.Println(m["level"], m["msg"], "event_id:", len(id) == 32)
	}
	outboxEvents(dir)
	// Output:
	// INFO charging card event_id: false
	// ERROR charge failed event_id: true
	//   unavailable: gateway down
}
