package supportkit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/metrics"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/tracing"
)

// syncBuffer is a bytes.Buffer safe for the packages' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPackagesLogToSlog: each package's own lines go to a *slog.Logger
// through its WithSlogLogger option, the same shape in every package
// (issue 14, point 3).
func TestPackagesLogToSlog(t *testing.T) {
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_METRICS_EXPORTER", "")
	ctx := context.Background()
	var out syncBuffer
	log := slog.New(slog.NewJSONHandler(&out, nil))

	tp, err := tracing.Setup(ctx, tracing.WithSlogLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(ctx)
	rep, err := reporting.Setup(ctx, reporting.WithSlogLogger(log), reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Shutdown(ctx)
	mp, err := metrics.Setup(ctx, metrics.WithSlogLogger(log), metrics.WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	defer mp.Shutdown(ctx)
	reg, err := health.Setup(ctx, health.WithSlogLogger(log),
		health.WithCheck("db", health.CheckFunc(func(context.Context) error { return errors.New("refused") }), health.Every(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, reg, "db", health.StatusFail)
	// The change is logged right after it is published; once Shutdown has
	// returned, the check's goroutine has written it.
	if err := reg.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	for _, msg := range []string{`"msg":"tracing configured"`, `"msg":"reporting set up"`, `"msg":"metrics configured"`,
		`"msg":"health check status changed"`} {
		if !strings.Contains(out.String(), msg) {
			t.Errorf("no %s line in the slog output:\n%s", msg, out.String())
		}
	}
	var none *slog.Logger
	quiet, err := health.Setup(ctx, health.WithSlogLogger(none))
	if err != nil {
		t.Fatalf("a nil *slog.Logger must mean no output, not an error: %v", err)
	}
	_ = quiet.Shutdown(ctx)
}
