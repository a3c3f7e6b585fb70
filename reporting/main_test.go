package reporting_test

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeSpan is a recording span that remembers what the reporter did to it.
type fakeSpan struct {
	noop.Span
	sc trace.SpanContext

	mu     sync.Mutex
	status codes.Code
	desc   string
	attrs  map[string]string
	errs   int
}

func newFakeSpan(traceID, spanID byte) *fakeSpan {
	var tid trace.TraceID
	var sid trace.SpanID
	for i := range tid {
		tid[i] = traceID + byte(i)
	}
	for i := range sid {
		sid[i] = spanID + byte(i)
	}
	return &fakeSpan{sc: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}), attrs: map[string]string{}}
}

func (s *fakeSpan) SpanContext() trace.SpanContext { return s.sc }
func (s *fakeSpan) IsRecording() bool              { return true }
func (s *fakeSpan) SetStatus(c codes.Code, d string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.desc = c, d
}
func (s *fakeSpan) SetAttributes(kv ...attribute.KeyValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range kv {
		s.attrs[string(a.Key)] = a.Value.Emit()
	}
}
func (s *fakeSpan) RecordError(error, ...trace.EventOption) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs++
}

func (s *fakeSpan) context(parent context.Context) context.Context {
	return trace.ContextWithSpan(parent, s)
}
