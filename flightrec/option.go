package flightrec

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/supportkit/supportkit/errorsx"
)

// The documented defaults, used where an option is not given or is zero.
const (
	// DefaultMinAge is how far back the execution trace window reaches.
	DefaultMinAge = 10 * time.Second
	// DefaultMaxBytes is the size the execution trace window aims at.
	DefaultMaxBytes = 16 << 20
	// DefaultRateLimit is the interval between two snapshots of one kind.
	DefaultRateLimit = 5 * time.Minute
	// DefaultSlowThreshold is the duration above which a request on a route
	// without a threshold of its own is slow.
	DefaultSlowThreshold = 2 * time.Second
)

// Bounds on a snapshot's parts, chosen so that a snapshot with the largest
// window allowed stays under the 100 MB of attachments Sentry accepts per
// event: 2 × 32 + 4 + 4 + 8 MiB, plus a summary of a few hundred bytes.
const (
	// MaxMaxBytes is the largest window [WithMaxBytes] accepts. The
	// execution trace part of a snapshot is bounded at twice the window's
	// size, because the runtime treats the size as a hint and keeps whole
	// generations (of about a second each).
	MaxMaxBytes = 32 << 20
	// GoroutineDumpLimit bounds the goroutine dump: a longer one is cut at a
	// line break and ends with a marker line saying so.
	GoroutineDumpLimit = 4 << 20
	// GoroutineProfileLimit bounds the goroutine profile: a larger one is
	// left out, and the summary says so.
	GoroutineProfileLimit = 4 << 20
	// HeapProfileLimit bounds the heap profile: a larger one is left out, and
	// the summary says so.
	HeapProfileLimit = 8 << 20
)

// Option configures [Setup]. A zero value means the documented default; a
// negative or out-of-range value makes Setup fail with an
// errorsx.InvalidArgument error naming the option and the value.
type Option func(*options)

type options struct {
	minAge    time.Duration
	maxBytes  int64
	rateLimit [numKinds]time.Duration
	slow      time.Duration
	routes    map[string]time.Duration
	logger    *slog.Logger
	errs      []error

	// For tests (export_test.go): the clock, the parts' bounds, and a hook
	// that runs while a snapshot is being taken.
	now       func() time.Time
	limits    limits
	capturing func()
}

type limits struct {
	trace, goroutineDump, goroutineProfile, heapProfile int
}

func (o *options) invalid(option, problem string, value any) {
	o.errs = append(o.errs, errorsx.InvalidArgument.New("flightrec: "+option+" "+problem,
		"option", option, "value", value))
}

func (o *options) duration(option string, d time.Duration) time.Duration {
	if d < 0 {
		o.invalid(option, "must not be negative", d.String())
		return 0
	}
	return d
}

// WithMinAge sets how far back the execution trace window reaches
// (default [DefaultMinAge]). The runtime keeps whole generations of trace
// data, so a snapshot may reach a little further; [WithMaxBytes] wins when
// the window would be larger than it allows.
func WithMinAge(d time.Duration) Option {
	return func(o *options) { o.minAge = o.duration("WithMinAge", d) }
}

// WithMaxBytes sets the size the execution trace window aims at (default
// [DefaultMaxBytes], at most [MaxMaxBytes]). The window lives in memory for
// the life of the recorder; the runtime treats the size as a hint, and a
// snapshot's execution trace is left out when it is larger than twice the
// size.
func WithMaxBytes(n int64) Option {
	return func(o *options) {
		switch {
		case n < 0:
			o.invalid("WithMaxBytes", "must not be negative", n)
		case n > MaxMaxBytes:
			o.invalid("WithMaxBytes", "must be at most "+strconv.Itoa(MaxMaxBytes)+
				" (a snapshot must fit the 100 MB of attachments Sentry accepts per event)", n)
		default:
			o.maxBytes = n
		}
	}
}

// WithRateLimit sets the least interval between two snapshots of the same
// kind, for the kinds given, or for every kind when none is given (default
// [DefaultRateLimit]: one snapshot per kind per 5 minutes). A trigger that
// comes sooner gets no snapshot and costs a clock read.
func WithRateLimit(every time.Duration, kinds ...Kind) Option {
	return func(o *options) {
		every = o.duration("WithRateLimit", every)
		if len(kinds) == 0 {
			for k := range o.rateLimit {
				o.rateLimit[k] = every
			}
			return
		}
		for _, k := range kinds {
			if !k.valid() {
				o.invalid("WithRateLimit", "got an unknown kind", k.String())
				continue
			}
			o.rateLimit[k] = every
		}
	}
}

// WithSlowThreshold sets the duration above which a request on a route
// without a threshold of its own is slow (default [DefaultSlowThreshold]).
// A threshold of time.Duration(math.MaxInt64) means never.
func WithSlowThreshold(d time.Duration) Option {
	return func(o *options) { o.slow = o.duration("WithSlowThreshold", d) }
}

// WithRouteThreshold sets the slow threshold of one route, overriding
// [WithSlowThreshold] for it. The route is the name the middleware passes
// to [Recorder.Slow]: for a net/http ServeMux, the pattern that matched
// ("GET /orders/{id}"). A zero d means the global threshold; a
// d of time.Duration(math.MaxInt64) means the route is never slow (a
// long poll, a stream).
func WithRouteThreshold(route string, d time.Duration) Option {
	return func(o *options) {
		if route == "" {
			o.invalid("WithRouteThreshold", "needs a route", route)
			return
		}
		d = o.duration("WithRouteThreshold", d)
		if o.routes == nil {
			o.routes = make(map[string]time.Duration)
		}
		o.routes[route] = d
	}
}

// WithLogger sets the logger for the recorder's few lines: one at Setup
// (on, or why not), one per snapshot taken, one at Shutdown. A nil logger
// (the default) means no log output. A zap user passes
// slog.New(zapslog.NewHandler(core)) (package go.uber.org/zap/exp/zapslog).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }
