package eventcheck_test

import (
	"fmt"

	"github.com/supportkit/supportkit/reporting/internal/eventcheck"
)

// A crash event whose exception names its goroutine by number while the
// thread's id is a string, with a null where a count was unknown: Relay
// would take it, but Sentry would show the crashed thread without its
// stack and an empty runtime field.
func ExampleCheck() {
	event := `{
	  "event_id": "0123456789abcdef0123456789abcdef",
	  "timestamp": 1764480000.5,
	  "level": "fatal",
	  "platform": "go",
	  "release": "example.com/shop@v1.4.0",
	  "exception": [{"type": "panic", "value": "boom", "thread_id": 7,
	    "mechanism": {"type": "go.crash", "handled": false}}],
	  "threads": [{"id": "7", "crashed": true, "current": true}],
	  "contexts": {"runtime": {"name": "go", "go_maxprocs": null}}
	}`
	for _, p := range eventcheck.Check([]byte(event)) {
		fmt.Println(p)
	}
	// Output:
	// contexts.runtime.go_maxprocs: null
	// release: "example.com/shop@v1.4.0" contains a character Sentry's release validation rejects (/, \, newline, tab)
	// exception[0].thread_id: number 7 but the thread's id is string 7: Sentry matches them strictly
}
