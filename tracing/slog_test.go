package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/trace"
)

func spanContext(t testing.TB, flags trace.TraceFlags) context.Context {
	t.Helper()
	tid, err := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := trace.SpanIDFromHex("00f067aa0ba902b7")
	if err != nil {
		t.Fatal(err)
	}
	return trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags}))
}

// withContext stands for code that logs with a request's context: it hands
// every record to next with ctx, whatever context it was logged with.
type withContext struct {
	ctx  context.Context
	next slog.Handler
}

func (h withContext) Enabled(_ context.Context, l slog.Level) bool  { return h.next.Enabled(h.ctx, l) }
func (h withContext) Handle(_ context.Context, r slog.Record) error { return h.next.Handle(h.ctx, r) }
func (h withContext) WithAttrs(as []slog.Attr) slog.Handler {
	return withContext{h.ctx, h.next.WithAttrs(as)}
}
func (h withContext) WithGroup(name string) slog.Handler {
	return withContext{h.ctx, h.next.WithGroup(name)}
}

func parseLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range bytes.Lines(b) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestSlogHandlerConformance runs the standard library's conformance
// suite for handlers, without a span (the record goes through as is) and
// with one (the IDs are added at the top level and groups are rebuilt).
func TestSlogHandlerConformance(t *testing.T) {
	for _, withSpan := range []bool{false, true} {
		name := map[bool]string{false: "no span", true: "span"}[withSpan]
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			newHandler := func(*testing.T) slog.Handler {
				buf.Reset()
				h := SlogHandler(slog.NewJSONHandler(&buf, nil))
				if withSpan {
					return withContext{spanContext(t, trace.FlagsSampled), h}
				}
				return h
			}
			result := func(t *testing.T) map[string]any {
				lines := parseLines(t, buf.Bytes())
				if len(lines) != 1 {
					t.Fatalf("%d lines; want 1", len(lines))
				}
				m := lines[0]
				ids := map[string]any{}
				for _, k := range []string{TraceIDKey, SpanIDKey, TraceFlagsKey} {
					if v, ok := m[k]; ok {
						ids[k] = v
						delete(m, k)
					}
				}
				want := map[string]any{}
				if withSpan {
					want = map[string]any{TraceIDKey: "4bf92f3577b34da6a3ce929d0e0e4736", SpanIDKey: "00f067aa0ba902b7", TraceFlagsKey: "01"}
				}
				if diff := cmp.Diff(want, ids); diff != "" {
					t.Errorf("top-level trace attributes mismatch (-want +got):\n%s", diff)
				}
				return m
			}
			slogtest.Run(t, newHandler, result)
		})
	}
}

// TestSlogHandlerGroups: with a span, a record is the same as without the
// wrapper, plus the IDs at the top level, whatever attributes and groups
// were added in whatever order; without a span it is the same, full stop.
func TestSlogHandlerGroups(t *testing.T) {
	type build func(*slog.Logger) *slog.Logger
	tests := []struct {
		name  string
		build build
	}{
		{"plain", func(l *slog.Logger) *slog.Logger { return l }},
		{"attrs", func(l *slog.Logger) *slog.Logger { return l.With("service", "checkout") }},
		{"a group", func(l *slog.Logger) *slog.Logger { return l.WithGroup("req") }},
		{"attrs, group, attrs", func(l *slog.Logger) *slog.Logger {
			return l.With("service", "checkout").WithGroup("req").With("method", "GET")
		}},
		{"nested groups with attrs in each", func(l *slog.Logger) *slog.Logger {
			return l.With("a", 1).WithGroup("g1").With("b", 2, "c", 3).WithGroup("g2").With("d", 4).WithGroup("g3")
		}},
		{"an empty group name is no group", func(l *slog.Logger) *slog.Logger { return l.WithGroup("").With("x", 1) }},
		{"a group that stays empty", func(l *slog.Logger) *slog.Logger { return l.With("x", 1).WithGroup("empty") }},
	}
	records := []func(context.Context, *slog.Logger){
		func(ctx context.Context, l *slog.Logger) { l.InfoContext(ctx, "one", "order_id", "o-1", "n", 2) },
		func(ctx context.Context, l *slog.Logger) { l.WarnContext(ctx, "two") },
		func(ctx context.Context, l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelError, "three", slog.Group("g", slog.Int("k", 1)), slog.Any("err", io.EOF),
				slog.String("a", "1"), slog.String("b", "2"), slog.String("c", "3"), slog.String("d", "4"))
		},
	}
	noTime := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bare, wrapped, wrappedNoSpan bytes.Buffer
			lBare := tt.build(slog.New(slog.NewJSONHandler(&bare, noTime)))
			lWrapped := tt.build(slog.New(SlogHandler(slog.NewJSONHandler(&wrapped, noTime))))
			lNoSpan := tt.build(slog.New(SlogHandler(slog.NewJSONHandler(&wrappedNoSpan, noTime))))
			ctx := spanContext(t, trace.FlagsSampled)
			for _, rec := range records {
				rec(context.Background(), lBare)
				rec(ctx, lWrapped)
				rec(context.Background(), lNoSpan)
			}
			if diff := cmp.Diff(bare.String(), wrappedNoSpan.String()); diff != "" {
				t.Errorf("without a span, output differs from the bare handler's (-bare +wrapped):\n%s", diff)
			}
			want := parseLines(t, bare.Bytes())
			for _, m := range want {
				m[TraceIDKey], m[SpanIDKey], m[TraceFlagsKey] = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01"
			}
			if diff := cmp.Diff(want, parseLines(t, wrapped.Bytes())); diff != "" {
				t.Errorf("with a span mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSlogHandlerLikeLogFields: the slog and the zap path write the same
// keys and values, sampled or not.
func TestSlogHandlerLikeLogFields(t *testing.T) {
	for _, flags := range []trace.TraceFlags{0, trace.FlagsSampled} {
		ctx := spanContext(t, flags)
		var buf bytes.Buffer
		slog.New(SlogHandler(slog.NewJSONHandler(&buf, nil))).InfoContext(ctx, "m")
		got := parseLines(t, buf.Bytes())[0]
		want := map[string]any{}
		for _, f := range LogFields(ctx) {
			want[f.Key] = f.String
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				delete(got, k)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("flags %s: slog vs zap mismatch (-zap +slog):\n%s", flags, diff)
		}
	}
}

func TestSlogHandlerNilAndTwice(t *testing.T) {
	if h := SlogHandler(nil); h != slog.DiscardHandler {
		t.Errorf("SlogHandler(nil) = %T; want slog.DiscardHandler", h)
	}
	slog.New(SlogHandler(nil)).InfoContext(spanContext(t, 1), "nowhere") // must not panic

	var buf bytes.Buffer
	h := SlogHandler(SlogHandler(slog.NewJSONHandler(&buf, nil)))
	slog.New(h).InfoContext(spanContext(t, 1), "once")
	if n := strings.Count(buf.String(), `"trace_id"`); n != 1 {
		t.Errorf("trace_id %d times in %s; want once", n, buf.String())
	}
	if err := h.Handle(nil, slog.NewRecord(time.Time{}, slog.LevelInfo, "nil context", 0)); err != nil { //nolint:staticcheck // a nil context must not panic
		t.Errorf("Handle with a nil context: %v", err)
	}
}

// TestSlogHandlerAllocations: no allocation of its own without a span;
// with one, fewer than the three strings a hand-written version makes.
func TestSlogHandlerAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random: run without -race to count allocations")
	}
	ctx := spanContext(t, trace.FlagsSampled)
	bare := slog.New(slog.NewJSONHandler(io.Discard, nil))
	wrapped := slog.New(SlogHandler(slog.NewJSONHandler(io.Discard, nil)))
	grouped := slog.New(SlogHandler(slog.NewJSONHandler(io.Discard, nil))).WithGroup("req").With("method", "GET")
	bareGrouped := slog.New(slog.NewJSONHandler(io.Discard, nil)).WithGroup("req").With("method", "GET")
	measure := func(f func()) float64 { return testing.AllocsPerRun(200, f) }
	got := map[string]float64{
		"no span":         measure(func() { wrapped.LogAttrs(context.Background(), slog.LevelInfo, "m", slog.Int("n", 1)) }) - measure(func() { bare.LogAttrs(context.Background(), slog.LevelInfo, "m", slog.Int("n", 1)) }),
		"no span, group":  measure(func() { grouped.LogAttrs(context.Background(), slog.LevelInfo, "m", slog.Int("n", 1)) }) - measure(func() { bareGrouped.LogAttrs(context.Background(), slog.LevelInfo, "m", slog.Int("n", 1)) }),
		"span vs by hand": measure(func() { wrapped.LogAttrs(ctx, slog.LevelInfo, "m", slog.Int("n", 1)) }) - measure(func() { logByHand(ctx, bare) }),
	}
	want := map[string]float64{"no span": 0, "no span, group": 0, "span vs by hand": -2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("extra allocations mismatch (-want +got):\n%s", diff)
	}
}

// logByHand is what an application writes without the handler.
func logByHand(ctx context.Context, l *slog.Logger) {
	sc := trace.SpanContextFromContext(ctx)
	l.LogAttrs(ctx, slog.LevelInfo, "m", slog.Int("n", 1),
		slog.String("trace_id", sc.TraceID().String()),
		slog.String("span_id", sc.SpanID().String()),
		slog.String("trace_flags", sc.TraceFlags().String()))
}

// TestSlogHandlerConcurrent logs through one handler, with groups, from
// many goroutines with and without spans: run with -race.
func TestSlogHandlerConcurrent(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	l := slog.New(SlogHandler(slog.NewJSONHandler(w, nil))).With("svc", "x").WithGroup("req")
	ctx := spanContext(t, trace.FlagsSampled)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			li := l.With("worker", i)
			for j := range 50 {
				if j%2 == 0 {
					li.InfoContext(ctx, "m", "j", j)
				} else {
					li.InfoContext(context.Background(), "m", "j", j)
				}
			}
		})
	}
	wg.Wait()
	lines := parseLines(t, buf.Bytes())
	withIDs := 0
	for _, m := range lines {
		if m[TraceIDKey] != nil {
			withIDs++
		}
		if req, _ := m["req"].(map[string]any); req == nil || req["j"] == nil || req["worker"] == nil {
			t.Fatalf("line lacks its group: %v", m)
		}
	}
	if len(lines) != 400 || withIDs != 200 {
		t.Errorf("%d lines, %d with IDs; want 400 and 200", len(lines), withIDs)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func BenchmarkSlogHandler(b *testing.B) {
	ctx := spanContext(b, trace.FlagsSampled)
	bare := slog.New(slog.NewJSONHandler(io.Discard, nil))
	wrapped := slog.New(SlogHandler(slog.NewJSONHandler(io.Discard, nil)))
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"json/no-span", func() { bare.LogAttrs(context.Background(), slog.LevelInfo, "m", slog.Int("n", 1)) }},
		{"wrapped/no-span", func() { wrapped.LogAttrs(context.Background(), slog.LevelInfo, "m", slog.Int("n", 1)) }},
		{"json/by-hand", func() { logByHand(ctx, bare) }},
		{"wrapped/span", func() { wrapped.LogAttrs(ctx, slog.LevelInfo, "m", slog.Int("n", 1)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.f()
			}
		})
	}
}
