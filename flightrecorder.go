package supportkit

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/getsentry/sentry-go"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/tracing"
)

// WithFlightRecorder keeps the last seconds of the process's execution in
// memory (package flightrec: a runtime/trace flight recorder, 10 s / 16 MiB
// by default) and attaches a snapshot of them (the execution trace window,
// every goroutine's stack, the goroutine and heap profiles) to the event
// of each of these triggers, each kind at most once per 5 minutes by
// default ([flightrec.WithRateLimit]):
//
//	panic      a handler panic (or one in Reporter().Go) that is reported
//	error5xx   a handled error answered with a 5xx by [Service.Fail]
//	slow       a request slower than its threshold (2 s by default,
//	           flightrec.WithSlowThreshold / WithRouteThreshold): an event
//	           of level warning titled "slow request: GET /orders/{id}
//	           took 2.4s", linked to the request's trace
//	readiness  a critical readiness check turning to fail: an event of
//	           level warning, only when a snapshot is taken (so a
//	           flapping check opens one event per 5 minutes at most)
//	manual     [Service.Snapshot]
//
// The requests get a runtime/trace task each, named by their route and
// holding their trace ID, so that `go tool trace` finds the request an
// event names. Off by default; opts go to [flightrec.Setup]. When another
// part of the program holds Go's one flight recorder, Setup logs a warning
// and the snapshots go without the execution trace.
//
// What it costs: the window's memory (about its max bytes plus a second of
// trace), the runtime's tracing overhead (a few percent of CPU), per
// request a task and a duration check, and per snapshot some tens of
// milliseconds on the goroutine of the trigger (the panicking request,
// the failing or slow request, after its handler is done). A snapshot
// with its event may take a quarter of the outbox (see
// [reporting.WithSnapshots]); files beyond that are left out and the event
// says so.
func WithFlightRecorder(opts ...flightrec.Option) Option {
	return func(c *config) {
		c.flightRecorder = true
		c.flightrec = append(c.flightrec, opts...)
	}
}

// setupFlightRecorder starts the flight recorder, before reporting so that
// reporting's snapshot source is ready.
func (s *Service) setupFlightRecorder(ctx context.Context, log *zap.Logger) ([]reporting.Option, []health.Option, error) {
	if !s.cfg.flightRecorder {
		return nil, nil, nil
	}
	rec, err := flightrec.Setup(ctx, s.cfg.flightrec...)
	if err != nil {
		return nil, nil, err
	}
	s.flight = rec
	if !rec.Tracing() {
		log.Warn("flight recorder: another part of the program holds Go's flight recorder; snapshots go without the execution trace")
	} else {
		log.Info("flight recorder on")
	}
	rep := []reporting.Option{reporting.WithSnapshots(func(_, reason string) reporting.Attachments {
		return s.snapshot(flightrec.KindPanic, reason)
	})}
	return rep, []health.Option{health.WithListener(s.readinessSnapshot)}, nil
}

// snapshot takes a snapshot of kind, or nil when the rate limit (or
// another snapshot in progress) says no. A nil *Snapshot is never put in
// the interface: reporting checks for nil.
func (s *Service) snapshot(kind flightrec.Kind, reason string) reporting.Attachments {
	start := time.Now()
	if snap := s.flight.Trigger(kind, reason); snap != nil {
		s.snapMu.Lock()
		s.snapStart, s.snapEnd = start, time.Now()
		s.snapMu.Unlock()
		return snap
	}
	return nil
}

// snapshotTime is how much of [start, end] the last snapshot took: the
// time the recorder itself cost a request (on its own goroutine, or in
// the stops of the world of one taken elsewhere), which must not make it
// slow.
func (s *Service) snapshotTime(start, end time.Time) time.Duration {
	s.snapMu.Lock()
	from, to := s.snapStart, s.snapEnd
	s.snapMu.Unlock()
	if from.Before(start) {
		from = start
	}
	if to.After(end) {
		to = end
	}
	return max(to.Sub(from), 0)
}

// attach is the lazy snapshot of a capture, or nil when the recorder is off.
func (s *Service) attach(kind flightrec.Kind, reason string) func() reporting.Attachments {
	if s.flight == nil {
		return nil
	}
	return func() reporting.Attachments { return s.snapshot(kind, reason) }
}

// Snapshot reports an event of level info titled "snapshot: " + reason
// with a snapshot of the flight recorder attached (kind manual, rate
// limited as the others), in the request or goroutine of ctx, and returns
// its event ID. Build reason from figures, not from request data: it is
// the event's title. Without [WithFlightRecorder], or when the rate limit
// holds the snapshot back, the event goes without attachments; "" means
// storm control held the event back.
func (s *Service) Snapshot(ctx context.Context, reason string) string {
	if s == nil || s.rep == nil {
		return ""
	}
	return s.rep.CaptureMessage(ctx, sentry.LevelInfo, "snapshot: "+reason, s.attach(flightrec.KindManual, reason))
}

// readinessSnapshot is the health listener: a critical readiness check
// turning to fail becomes a warning event with a snapshot.
func (s *Service) readinessSnapshot(ch health.Change) {
	if ch.To != health.StatusFail || ch.From == health.StatusFail || !ch.Result.Critical || ch.Result.Sets&health.Readiness == 0 {
		return
	}
	reason := "readiness failing: check " + ch.Check + " failed"
	snap := s.snapshot(flightrec.KindReadiness, reason)
	if snap == nil {
		// Rate-limited: a flapping check must not open an event at each
		// turn (WithHealthEvents is the opt-in for that); its log line
		// and breadcrumb still say it.
		return
	}
	s.rep.CaptureMessage(context.Background(), sentry.LevelWarning, reason, func() reporting.Attachments { return snap })
}

// flightMiddleware opens a runtime/trace task per request, named by the
// route h will match, and reports a request slower than its threshold. It
// sits inside the reporting middleware, so that the slow request's event
// carries the request and its breadcrumbs.
func (s *Service) flightMiddleware(h http.Handler) http.Handler {
	mux, _ := h.(*http.ServeMux)
	rec := s.flight
	return http.HandlerFunc(func(w http.ResponseWriter, outer *http.Request) {
		start := time.Now()
		r := outer
		if rec.Tracing() {
			route := r.Method
			if mux != nil {
				if _, p := mux.Handler(r); p != "" {
					route = p
				}
			}
			ctx, end := rec.StartRequest(r.Context(), route, tracing.TraceID(r.Context()))
			r = r.WithContext(ctx)
			// The mux sets the route on the copy; hand it back up, as
			// the mux does, for the span's and the metrics' names, a
			// panicking request's too.
			defer endTask(end, outer, r)
		}
		h.ServeHTTP(w, r)
		end := time.Now()
		d := end.Sub(start)
		route := r.Pattern
		if !rec.Slow(route, d) {
			return
		}
		if d -= s.snapshotTime(start, end); !rec.Slow(route, d) {
			return // slow only by a snapshot's time
		}
		s.reportSlow(r.Context(), r.Method, route, d)
	})
}

// endTask ends a request's task and copies the route the mux set on the
// task's request copy back onto the request it came from.
func endTask(end func(), outer, r *http.Request) {
	outer.Pattern = r.Pattern
	end()
}

// reportSlow reports a slow request: one warning event, titled with the
// route and the duration, in the request's trace, with a snapshot.
func (s *Service) reportSlow(ctx context.Context, method, route string, d time.Duration) {
	if route == "" {
		route = method + " (unmatched)"
	}
	title := "slow request: " + route + " took " + d.Round(time.Millisecond).String()
	id := s.rep.CaptureMessage(ctx, sentry.LevelWarning, title, s.attach(flightrec.KindSlow, route+" took "+d.Round(time.Millisecond).String()))
	s.Log(ctx).Warn("slow request", zap.String("route", route), zap.Duration("duration", d), zap.String(reporting.EventIDKey, id))
}

// failReason is the snapshot reason of a 5xx answered by Fail.
func failReason(r *http.Request, status int, err error) string {
	route := r.Pattern
	if route == "" {
		route = r.Method + " (unmatched)"
	}
	code := errorsx.CodeOf(err).String()
	return route + " answered " + strconv.Itoa(status) + " (" + code + ")"
}

// FlightRecorder returns the flight recorder ([WithFlightRecorder]), for
// its Stats; nil when it is off.
func (s *Service) FlightRecorder() *flightrec.Recorder {
	if s == nil {
		return nil
	}
	return s.flight
}
