package reportingtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// A fake Sentry checks what really goes over the wire: a reporter set up
// with its DSN delivers an event, and the server decodes it.
func ExampleServer() {
	srv := reportingtest.NewServer()
	defer srv.Close()

	dir, err := os.MkdirTemp("", "outbox-") // in a test: t.TempDir()
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	rep, err := reporting.Setup(context.Background(), reporting.WithDSN(srv.DSN("1")), reporting.WithOutbox(dir, 0))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id := rep.Capture(ctx, errors.New("checkout: payment declined"))
	_ = rep.Flush(ctx)

	evs, err := srv.WaitEvents(ctx, "1", 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(evs), "event;", string(evs[0].EventID) == id, evs[0].Exception[0].Value)
	fmt.Println("project 2:", len(srv.Events("2")))

	_ = rep.Shutdown(ctx)
	// Output:
	// 1 event; true checkout: payment declined
	// project 2: 0
}
