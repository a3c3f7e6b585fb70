package tracing

import (
	"testing"

	"go.uber.org/goleak"
)

// The batch span processor and the OTLP exporters start goroutines; every
// test must leave none behind once its shutdown function has run.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
