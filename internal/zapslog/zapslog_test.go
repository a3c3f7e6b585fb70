package zapslog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/zapslog"
)

func jsonCore(buf *bytes.Buffer) zapcore.Core {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "time"
	cfg.MessageKey = "msg"
	cfg.LevelKey = "level"
	return zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(buf), zap.DebugLevel)
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// TestHandlerConformance: the slog handler over a zap core passes
// testing/slogtest.
func TestHandlerConformance(t *testing.T) {
	var buf bytes.Buffer
	h := zapslog.Handler(jsonCore(&buf))
	if err := slogtest.TestHandler(h, func() []map[string]any { return lines(t, &buf) }); err != nil {
		t.Error(err)
	}
}

// TestBothWaysKeepTheError: an errorsx error logged through either bridge
// comes out as the same structured object as the native encoder gives.
func TestBothWaysKeepTheError(t *testing.T) {
	err := errorsx.NotFound.New("order not found", "order_id", "42", "token", errorsx.Secret("s3cr3t"))

	var viaZap bytes.Buffer // zap -> slog JSON
	zapslog.Logger(slog.New(slog.NewJSONHandler(&viaZap, nil))).Warn("request failed", errorsx.Zap(err), zap.String("route", "GET /orders/{id}"))
	var native bytes.Buffer // slog JSON
	slog.New(slog.NewJSONHandler(&native, nil)).Warn("request failed", errorsx.Attr(err), slog.String("route", "GET /orders/{id}"))
	var viaSlog bytes.Buffer // slog -> zap JSON
	slog.New(zapslog.Handler(jsonCore(&viaSlog))).Warn("request failed", errorsx.Attr(err), slog.String("route", "GET /orders/{id}"))
	var zapNative bytes.Buffer
	zap.New(jsonCore(&zapNative)).Warn("request failed", errorsx.Zap(err), zap.String("route", "GET /orders/{id}"))

	pick := func(m map[string]any) map[string]any {
		return map[string]any{"msg": m["msg"], "route": m["route"], "error": m["error"]}
	}
	want := pick(lines(t, &native)[0])
	for name, buf := range map[string]*bytes.Buffer{"zap to slog": &viaZap, "slog to zap": &viaSlog, "zap": &zapNative} {
		if diff := cmp.Diff(want, pick(lines(t, buf)[0])); diff != "" {
			t.Errorf("%s: line mismatch with slog's own (-slog +%s):\n%s", name, name, diff)
		}
	}
	if strings.Contains(viaZap.String()+viaSlog.String(), "s3cr3t") {
		t.Error("a secret left through a bridge")
	}
}

// TestContextReachesTheHandler: a skipped field carrying a context (as
// reporting.LogContext is) becomes the record's context, and back.
func TestContextReachesTheHandler(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "request")
	var got []any
	h := ctxHandler{func(ctx context.Context) { got = append(got, ctx.Value(key{})) }}
	log := zapslog.Logger(slog.New(h))
	log.Info("one", zap.Field{Key: "ctx", Type: zapcore.SkipType, Interface: ctx})
	log.With(zap.Field{Key: "ctx", Type: zapcore.SkipType, Interface: ctx}).Info("two")
	log.Info("three")
	if diff := cmp.Diff([]any{"request", "request", nil}, got); diff != "" {
		t.Errorf("contexts (-want +got):\n%s", diff)
	}
	if zapslog.Logger(nil) != nil {
		t.Error("Logger(nil) is not nil: a nil logger must mean no output")
	}
}

type ctxHandler struct{ seen func(context.Context) }

func (h ctxHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h ctxHandler) Handle(ctx context.Context, _ slog.Record) error {
	h.seen(ctx)
	return nil
}
func (h ctxHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h ctxHandler) WithGroup(string) slog.Handler      { return h }
