package supportkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/flightrec"
	"github.com/supportkit/supportkit/internal/tokenshape"
	"github.com/supportkit/supportkit/metrics"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/tracing"
)

// Fail answers a request that failed with err and leaves the whole
// incident record, the same for every handler:
//
//   - a 5xx error (by its errorsx code; an error without one is
//     internal) is reported to Sentry, with a flight recorder snapshot
//     attached when [WithFlightRecorder] is on (rate-limited);
//   - for a 5xx, the request's span gets status error (its description
//     the error's message, secrets redacted) and one exception event with
//     the type, message and stack, and the event ID as sentry.event_id;
//   - one log line, "request failed", at warn for a 4xx and error for a
//     5xx, with trace_id, span_id, the method, the path (token-like
//     segments redacted), the route, reference_id,
//     the error as a structured object and, when reported, event_id;
//   - the application/problem+json answer whose reference_id is the
//     event ID, or, when nothing was reported (a 4xx, or an event storm
//     control held back), the trace ID; it is never empty and is always
//     the one in the log line.
//
// Fail returns the reference ID. The handler must not have written the
// response yet.
func (s *Service) Fail(w http.ResponseWriter, r *http.Request, err error) (referenceID string) {
	if err == nil {
		err = errorsx.Internal.New("supportkit: Fail called with a nil error")
	}
	ctx := r.Context()
	code := errorsx.CodeOf(err)
	status := code.HTTPStatus()
	metrics.SetErrorCode(ctx, code)
	level := zap.WarnLevel
	var eventID string
	if status >= 500 {
		level = zap.ErrorLevel
		if s.flight != nil {
			eventID = s.rep.CaptureWith(ctx, err, s.attach(flightrec.KindError5xx, failReason(r, status, err)))
		} else {
			eventID = s.rep.Capture(ctx, err)
		}
	}
	ref := eventID
	if ref == "" {
		ref = tracing.TraceID(ctx)
	}
	if ref == "" {
		ref = newReference()
	}
	if status >= 500 {
		if eventID != "" {
			id := attribute.String(reporting.EventIDAttribute, eventID)
			tracing.RecordError(ctx, err, id)
			// On the span too, as the reporting middleware does for a
			// panic: backends index span attributes, not event ones.
			trace.SpanFromContext(ctx).SetAttributes(id)
		} else {
			tracing.RecordError(ctx, err)
		}
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	if s.cfg.slogger != nil {
		s.slogFailure(ctx, level, r.Method, tokenshape.RedactSegments(r.URL.Path, errorsx.Redacted), route, ref, err)
	} else {
		// The line's caller is the handler that called Fail.
		s.Log(ctx).WithOptions(zap.AddCallerSkip(1)).Log(level, "request failed",
			zap.String("method", r.Method),
			zap.String("path", tokenshape.RedactSegments(r.URL.Path, errorsx.Redacted)),
			zap.String("route", route),
			zap.String("reference_id", ref),
			errorsx.Zap(err))
	}
	errorsx.WriteProblem(w, r, err, ref)
	return ref
}

// newReference returns a random reference ID in the shape of an event ID,
// for a request that has neither an event nor a trace.
func newReference() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// slogFailure is Fail's log line for an application that logs with
// log/slog: the same keys and error object as the zap line, its source
// the handler that called Fail.
func (s *Service) slogFailure(ctx context.Context, level zapcore.Level, method, path, route, ref string, err error) {
	l := slog.LevelWarn
	if level >= zap.ErrorLevel {
		l = slog.LevelError
	}
	h := s.slog.Handler()
	if !h.Enabled(ctx, l) {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // Callers, slogFailure, Fail
	rec := slog.NewRecord(time.Now(), l, "request failed", pcs[0])
	rec.AddAttrs(slog.String("method", method), slog.String("path", path), slog.String("route", route), slog.String("reference_id", ref), errorsx.Attr(err))
	_ = h.Handle(ctx, rec)
}
