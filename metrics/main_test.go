package metrics

import (
	"testing"

	"go.uber.org/goleak"
)

// Periodic readers and OTLP exporters start goroutines; every test must
// leave none behind once Shutdown has run.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
