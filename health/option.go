package health

import (
	"log/slog"
	"math"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/zapslog"
)

// Option configures a [Registry] at [Setup]. Setup validates every option:
// a zero value means the documented default, a value out of range is an
// errorsx.InvalidArgument error whose fields name the option and the value.
type Option func(*options)

type options struct {
	log        *zap.Logger
	authorize  func(*http.Request) bool
	listeners  []func(Change)
	jitter     float64
	drainDelay time.Duration
	drainCode  int
	service    Service
	checks     []pendingCheck
	errs       []error
}

// pendingCheck is a check given to [Setup] by [WithCheck].
type pendingCheck struct {
	name    string
	checker Checker
	opts    []CheckOption
}

// Defaults of the options of [Setup].
const (
	// DefaultDrainDelay is how long [Registry.Drain] lets readiness fail
	// before it shuts the server down, unless [WithDrainDelay] or
	// [WithoutDrainDelay] says otherwise.
	DefaultDrainDelay = 5 * time.Second
	// DefaultJitter is the fraction of a check's interval by which its runs
	// are spread, unless [WithJitter] says otherwise.
	DefaultJitter = 0.1
)

func defaultOptions() options {
	return options{
		jitter:     DefaultJitter,
		drainDelay: DefaultDrainDelay,
		drainCode:  http.StatusServiceUnavailable,
		service:    ServiceFromBuild(),
	}
}

// invalid is the error of an option whose value is out of range.
func invalid(msg, option string, value any) error {
	return errorsx.InvalidArgument.New(msg, "option", option, "value", value)
}

// WithCheck registers a check at [Setup], as [Registry.Register] does
// after it: Setup fails, and starts nothing, if any check cannot be
// registered.
func WithCheck(name string, c Checker, opts ...CheckOption) Option {
	return func(o *options) { o.checks = append(o.checks, pendingCheck{name, c, opts}) }
}

// WithLogger logs one line per status change of a check, with the reason
// of a failure, and the start of a drain. A nil logger, like no
// WithLogger, means no log output.
func WithLogger(log *zap.Logger) Option {
	return func(o *options) { o.log = log }
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

// WithDetails shows the error text of failing checks to the requests for
// which authorize returns true; other callers get statuses only. By
// default, and with a nil authorize, nobody sees error text over HTTP: it
// is in the log.
func WithDetails(authorize func(*http.Request) bool) Option {
	return func(o *options) { o.authorize = authorize }
}

// WithListener calls fn after each status change of a check; it may be
// given more than once. Listeners run one at a time on a goroutine of
// their own, outside every lock; a slow listener delays other listeners,
// never the checks or the probes. A nil fn adds no listener.
func WithListener(fn func(Change)) Option {
	return func(o *options) {
		if fn != nil {
			o.listeners = append(o.listeners, fn)
		}
	}
}

// WithJitter spreads each check's runs by up to ±fraction of its interval,
// so that checks of many replicas do not hit a shared dependency at the
// same instant. 0 means [DefaultJitter] (0.1); fraction must be in [0, 1),
// which keeps every interval positive.
//
// There is no way to turn jitter off: it spreads runs but never skips one,
// and a test that needs exact times runs under testing/synctest.
func WithJitter(fraction float64) Option {
	return func(o *options) {
		switch {
		case math.IsNaN(fraction) || fraction < 0 || fraction >= 1:
			o.errs = append(o.errs, invalid("health: WithJitter must be in [0, 1)", "WithJitter", fraction))
		case fraction == 0:
			o.jitter = DefaultJitter
		default:
			o.jitter = fraction
		}
	}
}

// WithDrainDelay is how long [Registry.Drain] keeps serving, with
// readiness failing, before it shuts the server down. Make it longer than
// the load balancer's interval × fall. 0 means [DefaultDrainDelay] (5 s);
// a negative d is an error. For no delay at all, use [WithoutDrainDelay].
func WithDrainDelay(d time.Duration) Option {
	return func(o *options) {
		switch {
		case d < 0:
			o.errs = append(o.errs, invalid("health: WithDrainDelay must not be negative", "WithDrainDelay", d.String()))
		case d == 0:
			o.drainDelay = DefaultDrainDelay
		default:
			o.drainDelay = d
		}
	}
}

// WithoutDrainDelay makes [Registry.Drain] shut the server down as soon as
// readiness fails. It is for a process that no load balancer polls, or
// whose orchestrator stops sending it traffic before the signal (a
// Kubernetes preStop hook that sleeps): anywhere else, requests still on
// their way fail. It has an option of its own because WithDrainDelay(0),
// the zero value a configuration leaves unset, means the safe default.
func WithoutDrainDelay() Option {
	return func(o *options) { o.drainDelay = 0 }
}

// WithDrainNotFound answers readiness with 404 instead of 503 while
// draining, for HAProxy's "http-check disable-on-404", which then stops
// sending new traffic but lets existing sessions finish.
func WithDrainNotFound() Option {
	return func(o *options) { o.drainCode = http.StatusNotFound }
}
