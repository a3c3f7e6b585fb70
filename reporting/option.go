package reporting

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/zapslog"
)

// Option configures [Setup].
type Option func(*config)

type config struct {
	dsn, environment, release   *string
	outboxDir                   string
	outboxMaxBytes              int64
	logger                      *zap.Logger
	scrub                       Scrubbing
	beforeSend                  func(*sentry.Event, *sentry.EventHint) *sentry.Event
	transport                   sentry.Transport
	stormRate                   float64
	stormBurst                  int
	queueSize                   int
	sendTimeout                 time.Duration
	retryMin, retryMax          time.Duration
	breadcrumbLevel, eventLevel zapcore.Level
	serverName                  string
	inAppPrefixes               []string
	snapshots                   func(kind, reason string) Attachments
	errs                        []error // out-of-range values, reported by Setup
}

// bad records an option's out-of-range value for Setup to report.
func (c *config) bad(option string, value any, want string) {
	c.errs = append(c.errs, errorsx.InvalidArgument.Errorf("reporting: %s(%v): %s", option, value, want))
}

// WithDSN sets the Sentry DSN, overriding SENTRY_DSN. An empty DSN means
// "no Sentry": events go to the outbox only.
func WithDSN(dsn string) Option { return func(c *config) { c.dsn = &dsn } }

// WithEnvironment sets the environment, overriding SENTRY_ENVIRONMENT.
func WithEnvironment(env string) Option { return func(c *config) { c.environment = &env } }

// WithRelease sets the release, overriding SENTRY_RELEASE and the build
// information; an empty release leaves it to the build information (see
// [Setup] for the rule, and the values Sentry rejects).
func WithRelease(release string) Option { return func(c *config) { c.release = &release } }

// WithInAppPrefixes adds package path prefixes (as "example.com/shared",
// meaning that package and those below it) whose frames are the
// application's own, besides package main and the main module's packages.
// In-app frames are highlighted in Sentry, and the first of them names the
// fingerprint of panics, errors and log events. No prefixes (the default)
// means none beyond those; an empty prefix is an error.
func WithInAppPrefixes(prefixes ...string) Option {
	return func(c *config) {
		for _, p := range prefixes {
			if strings.TrimSpace(p) == "" {
				c.bad("WithInAppPrefixes", fmt.Sprintf("%q", prefixes), "a prefix must not be empty")
				return
			}
		}
		c.inAppPrefixes = append(c.inAppPrefixes, prefixes...)
	}
}

// WithServerName sets the server name on events; the default is the host
// name.
func WithServerName(name string) Option { return func(c *config) { c.serverName = name } }

// WithOutbox sets the outbox directory, where every event is kept as an
// envelope file until Sentry has accepted it, and its size bound in bytes
// (0 keeps the default, 16 MiB; negative is an error). An empty dir keeps
// the default: os.UserCacheDir()/supportkit/outbox/<executable name>, one
// directory per service, so that services on one host never send each
// other's events.
func WithOutbox(dir string, maxBytes int64) Option {
	return func(c *config) {
		c.outboxDir = dir
		switch {
		case maxBytes < 0:
			c.bad("WithOutbox", maxBytes, "the size bound must be 0 (default) or positive")
		case maxBytes > 0:
			c.outboxMaxBytes = maxBytes
		}
	}
}

// WithLogger sets the logger the reporter writes its own few lines to
// (set-up, outbox summary, delivery trouble). Nil, like the default,
// means no log output.
func WithLogger(log *zap.Logger) Option {
	return func(c *config) {
		if log == nil {
			log = zap.NewNop()
		}
		c.logger = log
	}
}

// WithSlogLogger is [WithLogger] for a log/slog logger: the same lines,
// with the same keys, go to log's handler (a nil log means no log
// output, as with WithLogger).
func WithSlogLogger(log *slog.Logger) Option {
	if log == nil {
		return WithLogger(nil)
	}
	return WithLogger(zapslog.Logger(log))
}

// WithScrubbing replaces the default scrubbing rules ([DefaultScrubbing]).
// The zero Scrubbing keeps the defaults, so that a forgotten field never
// turns scrubbing off; to change a rule, edit a copy of DefaultScrubbing().
func WithScrubbing(s Scrubbing) Option {
	return func(c *config) {
		if s.isZero() {
			return
		}
		c.scrub = s
	}
}

// WithBeforeSend sets a hook that sees every event after scrubbing, just
// before delivery, as sentry.ClientOptions.BeforeSend does; returning nil
// drops the event.
func WithBeforeSend(fn func(*sentry.Event, *sentry.EventHint) *sentry.Event) Option {
	return func(c *config) { c.beforeSend = fn }
}

// WithTransport delivers events through t instead of Sentry and the
// outbox. Package reportingtest uses it to keep events in memory.
func WithTransport(t sentry.Transport) Option { return func(c *config) { c.transport = t } }

// WithStormLimit sets the token bucket applied to each fingerprint: burst
// events at once, then perSecond events a second (defaults 10 and 1; a
// zero keeps the default, a negative value or NaN is an error). Occurrences beyond it are counted and the
// count is attached to the next event of the same fingerprint.
func WithStormLimit(perSecond float64, burst int) Option {
	return func(c *config) {
		if perSecond < 0 || perSecond != perSecond || burst < 0 {
			c.bad("WithStormLimit", fmt.Sprintf("%v, %d", perSecond, burst), "rate and burst must be 0 (default) or positive")
			return
		}
		if perSecond > 0 {
			c.stormRate = perSecond
		}
		if burst > 0 {
			c.stormBurst = burst
		}
	}
}

// WithQueueSize bounds the events waiting to be built and written (default
// 1000; 0 keeps the default, negative is an error); when full, the oldest
// is dropped and counted.
func WithQueueSize(n int) Option {
	return func(c *config) {
		switch {
		case n < 0:
			c.bad("WithQueueSize", n, "must be 0 (default) or positive")
		case n > 0:
			c.queueSize = n
		}
	}
}

// WithRetry sets the backoff between attempts to deliver the outbox to
// Sentry: it starts at min and doubles up to max (defaults 1s and 1m; a
// zero keeps that default; negative, or max below min, is an error). Rate
// limits announced by Sentry are honoured on top of it.
func WithRetry(min, max time.Duration) Option {
	return func(c *config) {
		if min < 0 || max < 0 {
			c.bad("WithRetry", fmt.Sprintf("%s, %s", min, max), "durations must be 0 (default) or positive")
			return
		}
		if min > 0 {
			c.retryMin = min
		}
		if max > 0 {
			c.retryMax = max
		}
		if c.retryMax < c.retryMin {
			c.bad("WithRetry", fmt.Sprintf("%s, %s", min, max), "max must not be below min")
		}
	}
}

// WithSendTimeout bounds one HTTP request to Sentry (default 10s; 0 keeps
// it, negative is an error).
func WithSendTimeout(d time.Duration) Option {
	return func(c *config) {
		switch {
		case d < 0:
			c.bad("WithSendTimeout", d, "must be 0 (default) or positive")
		case d > 0:
			c.sendTimeout = d
		}
	}
}

// WithLogLevels sets the zap levels at and above which log entries become
// breadcrumbs (default info) and events (default error); see
// [Reporter.WrapCore] and [Reporter.SlogHandler], which maps slog's levels
// onto zap's (below info: debug; below warn: info; below error: warn;
// error and above: error). Without this option the defaults apply; a
// level outside zap's debug to fatal is an error. (zap's zero level is
// info, so WithLogLevels(0, 0) makes every info line an event.)
func WithLogLevels(breadcrumb, event zapcore.Level) Option {
	return func(c *config) {
		if breadcrumb < zapcore.DebugLevel || breadcrumb > zapcore.FatalLevel || event < zapcore.DebugLevel || event > zapcore.FatalLevel {
			c.bad("WithLogLevels", fmt.Sprintf("%d, %d", breadcrumb, event), "levels must be zap levels from debug (-1) to fatal (5)")
			return
		}
		c.breadcrumbLevel, c.eventLevel = breadcrumb, event
	}
}

func defaultConfig() config {
	return config{
		outboxMaxBytes:  16 << 20,
		logger:          zap.NewNop(),
		scrub:           DefaultScrubbing(),
		stormRate:       1,
		stormBurst:      10,
		queueSize:       1000,
		sendTimeout:     10 * time.Second,
		retryMin:        time.Second,
		retryMax:        time.Minute,
		breadcrumbLevel: zapcore.InfoLevel,
		eventLevel:      zapcore.ErrorLevel,
	}
}
