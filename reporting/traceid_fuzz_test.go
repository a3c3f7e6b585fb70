package reporting

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzIncomingTraceID: a header is taken only when it is well-formed, and
// then the trace ID is the one it names, never zero.
func FuzzIncomingTraceID(f *testing.F) {
	f.Add("771a43a4192642f0b136d5159a501700-b3b0a5d1c2e4f6a8-1", "")
	f.Add("", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	f.Add("00000000000000000000000000000000-b3b0a5d1c2e4f6a8", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")
	f.Fuzz(func(t *testing.T, sentryTrace, traceparent string) {
		h := http.Header{}
		if sentryTrace != "" {
			h.Set("Sentry-Trace", sentryTrace)
		}
		if traceparent != "" {
			h.Set("Traceparent", traceparent)
		}
		id, ok := incomingTraceID(h)
		if !ok {
			return
		}
		s := id.String()
		if s == strings.Repeat("0", 32) {
			t.Fatalf("zero trace ID accepted from %q, %q", sentryTrace, traceparent)
		}
		if !strings.HasPrefix(sentryTrace, s) && !strings.HasPrefix(traceparent, "00-"+s+"-") {
			t.Fatalf("trace ID %s is not the one of %q or %q", s, sentryTrace, traceparent)
		}
	})
}
