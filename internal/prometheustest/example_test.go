package prometheustest_test

import (
	"fmt"
	"strings"

	"github.com/supportkit/supportkit/internal/prometheustest"
)

// A test sends each request with a traceparent of its own, then checks
// that the exemplars Prometheus holds (here two it could have returned)
// carry trace IDs it sent.
func ExampleTraceIDs() {
	var sent prometheustest.TraceIDs
	header := sent.Traceparent() // req.Header.Set("traceparent", header)
	traceID := strings.Split(header, "-")[1]

	fmt.Printf("%q\n", sent.Check("/orders/{id}", []string{traceID}))
	fmt.Println(sent.Check("/orders/{id}", nil))
	fmt.Println(sent.Check("/orders/{id}", []string{traceID, "0af7651916cd43dd8448eb211c80319c"}))
	// Output:
	// ""
	// no exemplar for /orders/{id}
	// an exemplar of /orders/{id} has the trace ID 0af7651916cd43dd8448eb211c80319c, which the test did not send
}
