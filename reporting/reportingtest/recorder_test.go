package reportingtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRecorder(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithEnvironment("unit"))
	ctx := rec.Reporter().Bind(context.Background())
	id := reporting.Capture(ctx, errors.New("first"))
	ev := rec.Event(id)
	if ev == nil {
		t.Fatalf("no event %s", id)
	}
	got := []string{ev.Environment, ev.Release, ev.Exception[0].Value}
	if diff := cmp.Diff([]string{"unit", "test", "first"}, got); diff != "" {
		t.Errorf("event mismatch (-want +got):\n%s", diff)
	}
	rec.Reset()
	reporting.Capture(ctx, errors.New("second"))
	if evs := rec.Events(); len(evs) != 1 || evs[0].Exception[0].Value != "second" {
		t.Errorf("after Reset: %v, want only the second event", evs)
	}
}
