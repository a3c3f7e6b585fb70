package reporting_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestEveryOptionOutOfRange: each option's out-of-range value is an
// InvalidArgument error from Setup that names the option and the value,
// and no reporter is made.
func TestEveryOptionOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		opt  reporting.Option
		want string // the option and its value, as the error prints them
	}{
		{"outbox bound", reporting.WithOutbox("", -1), "WithOutbox(-1)"},
		{"queue", reporting.WithQueueSize(-1), "WithQueueSize(-1)"},
		{"retry min", reporting.WithRetry(-1, 0), "WithRetry(-1ns, 0s)"},
		{"retry max", reporting.WithRetry(0, -1), "WithRetry(0s, -1ns)"},
		{"retry max below min", reporting.WithRetry(2e9, 1e9), "WithRetry(2s, 1s)"},
		{"send timeout", reporting.WithSendTimeout(-1), "WithSendTimeout(-1ns)"},
		{"storm rate", reporting.WithStormLimit(-1, 0), "WithStormLimit(-1, 0)"},
		{"storm rate NaN", reporting.WithStormLimit(math.NaN(), 0), "WithStormLimit(NaN, 0)"},
		{"storm burst", reporting.WithStormLimit(0, -1), "WithStormLimit(0, -1)"},
		{"in-app prefix", reporting.WithInAppPrefixes("example.com/x", " "), `WithInAppPrefixes(["example.com/x" " "])`},
		{"breadcrumb level", reporting.WithLogLevels(zapcore.DebugLevel-1, zapcore.ErrorLevel), "WithLogLevels(-2, 2)"},
		{"event level", reporting.WithLogLevels(zapcore.InfoLevel, zapcore.FatalLevel+1), "WithLogLevels(0, 6)"},
		{"release", reporting.WithRelease("latest"), `release "latest" (WithRelease)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := reporting.Setup(context.Background(), reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0), tt.opt)
			if err == nil {
				shutdown(t, r)
				t.Fatalf("Setup succeeded, want an error naming %s", tt.want)
			}
			if r != nil {
				t.Errorf("Setup returned a reporter with its error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
			if got := errorsx.CodeOf(err); got != errorsx.InvalidArgument {
				t.Errorf("code of %q = %v, want InvalidArgument", err, got)
			}
		})
	}
}

// TestEveryOptionZero: each option's zero value (or nil) is accepted and
// means its documented default.
func TestEveryOptionZero(t *testing.T) {
	zero := []reporting.Option{
		nil,
		reporting.WithDSN(""), // no Sentry: the outbox only
		reporting.WithEnvironment(""),
		reporting.WithRelease(""), // the build's, or none
		reporting.WithInAppPrefixes(),
		reporting.WithServerName(""), // the host name
		reporting.WithOutbox("", 0),  // overridden below, to stay out of the user's cache
		reporting.WithLogger(nil),
		reporting.WithScrubbing(reporting.Scrubbing{}),
		reporting.WithBeforeSend(nil),
		reporting.WithStormLimit(0, 0),
		reporting.WithQueueSize(0),
		reporting.WithRetry(0, 0),
		reporting.WithSendTimeout(0),
	}
	rec := reportingtest.New(t, zero...)
	rep := rec.Reporter()

	// The zero Scrubbing is the default rules, not "scrub nothing".
	h := rep.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set("Authorization", "Bearer abc.def.ghi")
	h.ServeHTTP(httptest.NewRecorder(), req)
	// The zero storm limit lets a burst of 10 through, not 0 or 1.
	for range 10 {
		rep.Capture(context.Background(), errors.New("same place"))
	}
	evs := rec.Events()
	if len(evs) != 11 {
		t.Fatalf("events = %d, want 11 (a panic and a burst of 10)", len(evs))
	}
	for _, ev := range evs {
		if ev.Request == nil {
			continue
		}
		if got := ev.Request.Headers["Authorization"]; got == "Bearer abc.def.ghi" {
			t.Errorf("the zero Scrubbing sent Authorization %q", got)
		}
	}
	if host := evs[0].ServerName; host == "" {
		t.Error("server name empty, want the host name")
	}
}
