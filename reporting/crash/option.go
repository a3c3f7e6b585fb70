package crash

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/zapslog"
	"github.com/supportkit/supportkit/reporting"
)

// Option configures [Setup]. The application and its monitor must call
// Setup with the same options: the monitor uses them, the application
// only passes them on by being the same program.
type Option func(*config)

// defaultTimeout is the delivery bound of [WithTimeout]'s zero value.
const defaultTimeout = 15 * time.Second

type config struct {
	reporting []reporting.Option
	tags      map[string]string
	logger    *zap.Logger // nil until WithLogger: then the default, JSON lines on standard error
	timeout   time.Duration
	errs      []error
}

func (c *config) bad(option string, value any, want string) {
	c.errs = append(c.errs, errorsx.InvalidArgument.Errorf("crash: %s(%v): %s", option, value, want))
}

// WithReporting gives the options of the [reporting.Setup] call the
// monitor makes to deliver a crash: DSN, environment, release, outbox. As
// with reporting.Setup, SENTRY_DSN, SENTRY_ENVIRONMENT and SENTRY_RELEASE
// apply when the matching option is absent, and the outbox is the default
// one unless [reporting.WithOutbox] says otherwise: give the monitor the
// options the application gives its own reporter, so that a crash it
// cannot send lands in the outbox the application sends at its next
// start. Without it (the default) the monitor uses reporting's defaults.
// Options given more than once add up.
func WithReporting(opts ...reporting.Option) Option {
	return func(c *config) { c.reporting = append(c.reporting, opts...) }
}

// WithTags adds tags to the crash event (none by default). The map is
// copied; an empty key is an error.
func WithTags(tags map[string]string) Option {
	return func(c *config) {
		if _, ok := tags[""]; ok {
			c.bad("WithTags", fmt.Sprintf("%q", tags), "a tag key must not be empty")
			return
		}
		if c.tags == nil {
			c.tags = make(map[string]string, len(tags))
		}
		maps.Copy(c.tags, tags)
	}
}

// WithLogger sets the logger of the monitor's few lines (where a report
// went, or why it was lost). Without this option the monitor writes JSON
// lines to standard error, which it shares with the application, because
// the monitor starts before the application has a logger; a nil logger
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

// WithTimeout bounds the delivery of a crash report once the application
// has exited (default 15s; 0 keeps it, negative is an error); what is not
// delivered by then is in the outbox.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		switch {
		case d < 0:
			c.bad("WithTimeout", d, "must be 0 (default) or positive")
		case d > 0:
			c.timeout = d
		}
	}
}

func newConfig(opts []Option) (config, error) {
	c := config{timeout: defaultTimeout}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if len(c.errs) > 0 {
		return config{}, errors.Join(c.errs...)
	}
	return c, nil
}
