package tracing

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestLogFields(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid}))
	tests := []struct {
		name      string
		ctx       context.Context
		want      map[string]any
		wantTrace string
	}{
		{"sampled span", sampled, map[string]any{"msg": "hello", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "trace_flags": "01"}, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"unsampled span still correlates", unsampled, map[string]any{"msg": "hello", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "trace_flags": "00"}, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"no span", context.Background(), map[string]any{"msg": "hello"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, via := range []string{"LogFields", "Logger"} {
				core, logs := observer.New(zapcore.InfoLevel)
				log := zap.New(core)
				if via == "LogFields" {
					log.Info("hello", LogFields(tt.ctx)...)
				} else {
					Logger(tt.ctx, log).Info("hello")
				}
				got := map[string]any{"msg": logs.All()[0].Message}
				for k, v := range logs.All()[0].ContextMap() {
					got[k] = v
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s: log line mismatch (-want +got):\n%s", via, diff)
				}
			}
			if got := TraceID(tt.ctx); got != tt.wantTrace {
				t.Errorf("TraceID = %q; want %q", got, tt.wantTrace)
			}
		})
	}
}

// TestLogFieldsFreeWithoutSpan checks the promise that a context without a
// span costs nothing (no allocation); the benchmarks report the time.
func TestLogFieldsFreeWithoutSpan(t *testing.T) {
	ctx := context.Background()
	log := zap.NewNop()
	allocs := testing.AllocsPerRun(100, func() {
		_ = LogFields(ctx)
		_ = Logger(ctx, log)
		_ = TraceID(ctx)
	})
	if allocs != 0 {
		t.Errorf("allocations without a span = %v; want 0", allocs)
	}
	if Logger(ctx, log) != log {
		t.Error("Logger without a span returned a new logger; want the same one")
	}
}

func BenchmarkLogFields(b *testing.B) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	withSpan := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{{"no-span", context.Background()}, {"span", withSpan}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = LogFields(bc.ctx)
			}
		})
	}
}
