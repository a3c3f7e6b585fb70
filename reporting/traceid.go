package reporting

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"

	"github.com/getsentry/sentry-go"
)

// Without OpenTelemetry, each request is a trace of its own: its trace ID
// comes from the caller's sentry-trace or traceparent header when valid,
// else it is random. It is made only when something needs it (an event, a
// hub), so that a request that goes well pays nothing for it.

// newTraceID returns a random, non-zero trace ID. Trace IDs need to be
// unique, not secret.
func newTraceID() sentry.TraceID {
	var id sentry.TraceID
	for id == (sentry.TraceID{}) {
		a, b := rand.Uint64(), rand.Uint64()
		for i := 0; i < 8; i++ {
			id[i], id[8+i] = byte(a>>(8*i)), byte(b>>(8*i))
		}
	}
	return id
}

// newSpanID returns a random, non-zero span ID.
func newSpanID() sentry.SpanID {
	var id sentry.SpanID
	for id == (sentry.SpanID{}) {
		a := rand.Uint64()
		for i := 0; i < 8; i++ {
			id[i] = byte(a >> (8 * i))
		}
	}
	return id
}

// incomingTraceID returns the trace ID of a request's sentry-trace header
// ("<32 hex>-<16 hex>[-<0|1>]") or, failing that, its traceparent header
// ("00-<32 hex>-<16 hex>-<2 hex>"), and whether either was valid.
func incomingTraceID(h http.Header) (sentry.TraceID, bool) {
	if v := h.Get("Sentry-Trace"); v != "" {
		if id, ok := parseSentryTrace(v); ok {
			return id, true
		}
	}
	if v := h.Get("Traceparent"); v != "" {
		if id, ok := parseTraceparent(v); ok {
			return id, true
		}
	}
	return sentry.TraceID{}, false
}

func parseSentryTrace(v string) (sentry.TraceID, bool) {
	switch {
	case len(v) == 32+1+16:
	case len(v) == 32+1+16+2 && v[49] == '-' && (v[50] == '0' || v[50] == '1'):
	default:
		return sentry.TraceID{}, false
	}
	if v[32] != '-' || !lowerHex(v[33:49]) {
		return sentry.TraceID{}, false
	}
	return traceIDOf(v[:32])
}

func parseTraceparent(v string) (sentry.TraceID, bool) {
	if len(v) != 2+1+32+1+16+1+2 || v[:3] != "00-" || v[35] != '-' || v[52] != '-' ||
		!lowerHex(v[36:52]) || !lowerHex(v[53:]) || v[36:52] == "0000000000000000" {
		return sentry.TraceID{}, false
	}
	return traceIDOf(v[3:35])
}

// traceIDOf decodes 32 lowercase hex digits that are not all zero.
func traceIDOf(s string) (sentry.TraceID, bool) {
	var id sentry.TraceID
	if !lowerHex(s) {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil || id == (sentry.TraceID{}) {
		return sentry.TraceID{}, false
	}
	return id, true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
