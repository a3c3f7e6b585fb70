package outbox_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// childEnv makes the test binary run as a child process of a
// multi-process test instead of running the tests (see process_test.go).
const childEnv = "OUTBOX_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	goleak.VerifyTestMain(m)
}
