package supportkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/internal/zapslog"
	"github.com/supportkit/supportkit/metrics"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/crash"
	"github.com/supportkit/supportkit/tracing"
)

// Service is what [Setup] wired: the logger, the reporter, tracing, the
// health registry and, when asked for, the crash monitor. Its methods are
// safe for concurrent use.
type Service struct {
	cfg     config
	log     *zap.Logger  // the application's logger with the reporting core
	slog    *slog.Logger // the same for log/slog: tracing and reporting handlers around it
	rep     *reporting.Reporter
	tracing *tracing.Provider
	health  *health.Registry
	metrics *metrics.Provider
	crash   *crash.Monitor
	flight  *flightrec.Recorder // nil unless WithFlightRecorder
	monitor bool                // this process is the crash monitor

	snapMu             sync.Mutex // guards the last snapshot's time
	snapStart, snapEnd time.Time

	shutdownOnce sync.Once
	shutdownErr  error
}

// Setup wires the module's packages in the recommended order, from the
// standard environment (SENTRY_*, OTEL_*) and opts; see the package
// documentation. On error, what was started is stopped again.
//
// With [WithCrashMonitor], call Setup first thing in main: in the monitor
// process it returns once the application has exited, with
// [Service.IsCrashMonitor] true, and main must then return.
func Setup(ctx context.Context, opts ...Option) (_ *Service, err error) {
	c := config{shutdownTimeout: DefaultShutdownTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}
	if c.serviceName == "" {
		c.serviceName = executableName()
	}
	base := c.logger
	switch {
	case !c.loggerSet:
		if base, err = zap.NewProduction(); err != nil {
			return nil, err
		}
	case c.slogger != nil:
		base = zapslog.Logger(c.slogger)
	case base == nil:
		base = zap.NewNop()
	}
	s := &Service{cfg: c}

	if c.crashMonitor {
		tags := map[string]string{"service": c.serviceName}
		for k, v := range c.crashTags {
			tags[k] = v
		}
		m, err := crash.Setup(ctx,
			crash.WithReporting(c.reporting...),
			crash.WithTags(tags),
			crash.WithLogger(base))
		if m.IsMonitor() {
			return &Service{cfg: c, log: base, monitor: true}, err
		}
		if err != nil {
			// The application runs on without: a monitor that cannot
			// start must not stop the service.
			base.Warn("crash monitor not started: fatal crashes will not be reported", zap.Error(err))
		} else {
			base.Info("crash monitor started", zap.Int("monitor_pid", m.PID()))
		}
		s.crash = m
	}
	defer func() {
		if err != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = s.Shutdown(sctx)
		}
	}()

	// Reporting first: its own log lines go to the plain logger (a
	// delivery warning must never become an event), everything after it
	// logs through the reporting core.
	frRep, frHealth, err := s.setupFlightRecorder(ctx, base)
	if err != nil {
		return nil, err
	}
	s.rep, err = reporting.Setup(ctx, append(append([]reporting.Option{reporting.WithLogger(base)}, frRep...), c.reporting...)...)
	if err != nil {
		return nil, err
	}
	s.log = base.WithOptions(zap.WrapCore(s.rep.WrapCore))
	// The slog side writes to the application's own handler, or to the
	// zap logger's core: either way once, with reporting's handler (not
	// its zap core) making breadcrumbs and events of its records.
	appHandler := zapslog.Handler(base.Core())
	if c.slogger != nil {
		appHandler = c.slogger.Handler()
	}
	s.slog = slog.New(tracing.SlogHandler(s.rep.SlogHandler(appHandler)))

	s.tracing, err = tracing.Setup(ctx, append([]tracing.Option{
		tracing.WithServiceName(c.serviceName),
		tracing.WithLogger(s.log),
	}, c.tracing...)...)
	if err != nil {
		return nil, err
	}

	// Health changes are logged at warn through the reporting core with
	// the reporter's own hub as their context: each becomes a breadcrumb
	// that every later request's events carry, and never an event.
	hub := sentry.SetHubOnContext(context.Background(), s.rep.Hub())
	hopts := []health.Option{health.WithLogger(s.log.Named("health").With(reporting.LogContext(hub)))}
	if c.healthEvents {
		hopts = append(hopts, health.WithListener(s.reportHealth))
	}
	hopts = append(hopts, frHealth...)
	s.health, err = health.Setup(ctx, append(hopts, c.health...)...)
	if err != nil {
		return nil, err
	}
	s.metrics, err = metrics.Setup(ctx, append([]metrics.Option{
		metrics.WithServiceName(c.serviceName),
		metrics.WithLogger(s.log),
	}, c.metrics...)...)
	if err != nil {
		return nil, err
	}
	if err := s.observe(); err != nil {
		return nil, err
	}
	if d := s.health.DrainDelay(); d > c.shutdownTimeout/2 {
		return nil, errorsx.InvalidArgument.New(fmt.Sprintf(
			"supportkit: the drain delay (%v) is more than half of the shutdown timeout (%v): the server would have no time to shut down", d, c.shutdownTimeout))
	}
	return s, nil
}

// reportHealth reports a critical check's turn to fail ([WithHealthEvents]).
func (s *Service) reportHealth(ch health.Change) {
	if !ch.Result.Critical || ch.To != health.StatusFail {
		return
	}
	err := ch.Result.Err
	if err == nil {
		err = errors.New("check failed")
	}
	s.rep.Capture(context.Background(), errorsx.Wrap(err, "health check "+ch.Check+" failed", "check", ch.Check))
}

// IsCrashMonitor reports whether this process is the crash monitor
// ([WithCrashMonitor]) and the application it watched has exited: main
// must then return at once. The Service is then empty: its other methods
// do nothing.
func (s *Service) IsCrashMonitor() bool { return s != nil && s.monitor }

// Logger returns the service's logger: the one given with [WithLogger]
// (or the default) with the reporting core around it, so that error lines
// become Sentry events and carry their event_id. Use [Service.Log] inside
// a request.
func (s *Service) Logger() *zap.Logger {
	if s == nil || s.log == nil {
		return zap.NewNop()
	}
	return s.log
}

// SlogLogger returns the service's logger for log/slog: the one given
// with [WithSlogLogger] (or one writing to the zap logger) with package
// tracing's and package reporting's handlers around it. Log with a
// context (InfoContext, ErrorContext, ...): a request's lines carry
// trace_id, span_id and trace_flags, become breadcrumbs of its events,
// and an error line becomes an event of that request, its event_id added.
func (s *Service) SlogLogger() *slog.Logger {
	if s == nil || s.slog == nil {
		return slog.New(discard{})
	}
	return s.slog
}

// discard is a slog handler that writes nothing.
type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }

// Log returns the logger for the request or goroutine in ctx: its lines
// carry trace_id, span_id and trace_flags, become breadcrumbs of the
// request's events, and an error line becomes an event of that request.
func (s *Service) Log(ctx context.Context) *zap.Logger {
	return tracing.Logger(ctx, s.Logger()).With(reporting.LogContext(ctx))
}

// Reporter returns the reporter, for what [Service] does not wrap:
// [reporting.Reporter.Go] for background work, its Stats.
func (s *Service) Reporter() *reporting.Reporter { return s.rep }

// Health returns the health registry: register checks with it, read its
// snapshot, mount its handlers elsewhere.
func (s *Service) Health() *health.Registry { return s.health }

// Tracing returns the tracing provider.
func (s *Service) Tracing() *tracing.Provider { return s.tracing }

// executableName is the default service name.
func executableName() string {
	exe, err := os.Executable()
	if err != nil {
		return "service"
	}
	return strings.TrimSuffix(filepath.Base(exe), ".exe")
}

// CrashMonitor returns the crash monitor the application started
// ([WithCrashMonitor]), or nil when none runs.
func (s *Service) CrashMonitor() *crash.Monitor {
	if s == nil {
		return nil
	}
	return s.crash
}
