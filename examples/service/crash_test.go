package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestCrashMonitorNotStarted: a monitor that could not start is said once
// in the log, POST /crash is not served, and the service runs on.
func TestCrashMonitorNotStarted(t *testing.T) {
	crashMonitorErr = errors.New("crash: monitor not started: no such file")
	t.Cleanup(func() { crashMonitorErr = nil })
	core, logs := observer.New(zap.InfoLevel)
	a := &app{log: zap.New(core), orders: map[string]order{}}
	mux := http.NewServeMux()
	a.routes(mux)

	if got := logs.FilterMessage("crash monitor not started: fatal crashes will not be reported").Len(); got != 1 {
		t.Errorf("%d log lines say the monitor did not start, want 1: %v", got, logs.All())
	}
	for path, want := range map[string]int{"/crash": http.StatusNotFound, "/hello": http.StatusOK} {
		method := http.MethodGet
		if path == "/crash" {
			method = http.MethodPost
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		if rec.Code != want {
			t.Errorf("%s %s = %d, want %d", method, path, rec.Code, want)
		}
	}
}
