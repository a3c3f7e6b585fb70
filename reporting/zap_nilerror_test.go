package reporting_test

import (
	"io/fs"
	"testing"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestZapTypedNilErrorIsNoException: an error line whose error is a typed
// nil pointer still makes an event (a log line, grouped where it was
// logged) and does not crash the reporter's goroutine, which would call
// its Error method.
func TestZapTypedNilErrorIsNoException(t *testing.T) {
	rec := reportingtest.New(t)
	log, _ := newLogger(rec)
	log.Error("stat failed", zap.Error((*fs.PathError)(nil)))
	log.Error("stat failed again", errorsx.Zap((*fs.PathError)(nil)))
	evs := rec.Events()
	if len(evs) != 2 {
		t.Fatalf("events = %d, want 2", len(evs))
	}
	for _, ev := range evs {
		if ev.Message == "" || len(ev.Exception) != 0 {
			t.Errorf("event %q has %d exceptions, want a log message and none", ev.Message, len(ev.Exception))
		}
	}
}

// TestCaptureTypedNilError: a typed nil pointer is no error to report,
// and does not crash the reporter's goroutine.
func TestCaptureTypedNilError(t *testing.T) {
	rec := reportingtest.New(t)
	var err error = (*fs.PathError)(nil)
	if id := rec.Reporter().Capture(t.Context(), err); id != "" {
		t.Errorf("Capture of a typed nil = %q, want \"\"", id)
	}
	if evs := rec.Events(); len(evs) != 0 {
		t.Errorf("events = %d, want none", len(evs))
	}
}
