package tracing

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/polled"
)

// MiddlewareOption configures [Middleware].
type MiddlewareOption func(*middlewareConfig)

type middlewareConfig struct {
	filter      func(*http.Request) bool
	tp          trace.TracerProvider
	propagators propagation.TextMapPropagator
	router      Router
	otelhttp    []otelhttp.Option
}

// Router finds the pattern that routes a request; *http.ServeMux is one.
type Router interface {
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// WithFilter replaces the default filter, [DefaultFilter]: a request is
// traced only when filter returns true. A nil filter keeps the default; to
// trace every request, return true.
func WithFilter(filter func(*http.Request) bool) MiddlewareOption {
	return func(c *middlewareConfig) { c.filter = filter }
}

// WithTracerProvider sets the tracer provider (default, also for nil:
// OpenTelemetry's global one, which [Setup] installs, or the Provider's for
// [Provider.Middleware]).
func WithTracerProvider(tp trace.TracerProvider) MiddlewareOption {
	return func(c *middlewareConfig) { c.tp = tp }
}

// WithTextMapPropagator sets the propagator that reads the incoming trace
// context (default, also for nil: OpenTelemetry's global one, which [Setup]
// installs, or the Provider's for [Provider.Middleware]).
func WithTextMapPropagator(p propagation.TextMapPropagator) MiddlewareOption {
	return func(c *middlewareConfig) { c.propagators = p }
}

// WithRouter gives the middleware the mux it wraps, for when a handler
// between the two passes a copy of the request down (r.WithContext), so
// that the route pattern the mux sets (r.Pattern) never comes back up: the
// middleware then asks the router for the pattern once the request is done.
// A nil r (the default) means none.
func WithRouter(r Router) MiddlewareOption { return func(c *middlewareConfig) { c.router = r } }

// WithOtelHTTPOptions passes further options to otelhttp (a meter
// provider, a span name formatter, ...). Give the tracer provider and the
// propagator with [WithTracerProvider] and [WithTextMapPropagator], not
// otelhttp's options: otelhttp's would replace the provider the middleware
// wraps to keep status descriptions and to record a panic once.
func WithOtelHTTPOptions(opts ...otelhttp.Option) MiddlewareOption {
	return func(c *middlewareConfig) { c.otelhttp = append(c.otelhttp, opts...) }
}

// DefaultFilter reports whether a request should be traced: every request
// except those to the health endpoints /livez, /readyz, /startupz,
// /healthz, /health and /ping (and the paths under them, such as
// /livez/ping), and to /metrics.
func DefaultFilter(r *http.Request) bool {
	return !polled.Path(r.URL.Path)
}

// Middleware returns HTTP server middleware that traces each request with
// otelhttp, following the HTTP semantic conventions, and adds:
//
//   - the span is named "{method} {route}" from the route pattern the
//     http.ServeMux matched (r.Pattern, Go 1.22 patterns), and carries
//     http.route, so that /orders/1 and /orders/2 are one operation; also
//     when the handler panics;
//   - requests to health endpoints are not traced ([DefaultFilter]);
//   - when the handler panics, the span is marked as an error with one
//     exception event (type, message, the panic site's stack) before the
//     panic continues up to whatever recovers it; a panic with
//     http.ErrAbortHandler (a response aborted on purpose) adds no event;
//   - the status description a handler or an inner middleware gave (with
//     [RecordError], say) stays when the answer is a 5xx, which otelhttp
//     would otherwise replace with an empty one.
//
// It reads the route from r.Pattern once next has returned, on the request
// it passed down. net/http's ServeMux sets it on the request it is given;
// a middleware in between that passes a copy down (r.WithContext) must copy
// r.Pattern back onto the request it received after next returns, panics
// included (package reporting's middleware does), or the mux must be given
// with [WithRouter].
//
// Middleware uses OpenTelemetry's global tracer provider and propagator
// (which [Setup] installs), for applications with their own OpenTelemetry
// set-up; [Provider.Middleware] uses the provider's. When tracing is
// disabled (OTEL_SDK_DISABLED=true, at the time Middleware is called), it
// returns the handler unchanged: nothing is added to the request path.
func Middleware(opts ...MiddlewareOption) func(http.Handler) http.Handler {
	var c middlewareConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.filter == nil {
		c.filter = DefaultFilter
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if _, off := c.tp.(noop.TracerProvider); off {
		return func(h http.Handler) http.Handler { return h }
	}
	o := []otelhttp.Option{otelhttp.WithTracerProvider(serverSpans{c.tp}), otelhttp.WithFilter(c.filter)}
	if c.propagators != nil {
		o = append(o, otelhttp.WithPropagators(c.propagators))
	}
	o = append(o, c.otelhttp...)
	outer := otelhttp.NewMiddleware("http.server", o...)
	router := c.router
	return func(next http.Handler) http.Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					// otelhttp names the span only when the handler
					// returns: a panic is named here.
					nameRoute(r, router, true)
					if v != http.ErrAbortHandler { //nolint:errorlint // net/http compares it so too
						markPanic(trace.SpanFromContext(r.Context()), v)
					}
					panic(v)
				}
			}()
			next.ServeHTTP(w, r)
			nameRoute(r, router, false)
		})
		return outer(inner)
	}
}

// nameRoute sets http.route on the request's span and, when otelhttp
// will not (a panic, or a pattern that only the router knows), the span's
// name.
func nameRoute(r *http.Request, router Router, panicking bool) {
	pattern := r.Pattern
	rename := panicking
	if pattern == "" && router != nil {
		_, pattern = router.Handler(r)
		rename = true
	}
	route := pattern
	if i := strings.IndexByte(route, '/'); i >= 0 {
		route = route[i:]
	} else {
		return
	}
	span := trace.SpanFromContext(r.Context())
	span.SetAttributes(semconv.HTTPRoute(route))
	if rename {
		span.SetName(r.Method + " " + route)
	}
}

// markPanic records a panic on span: status error and an exception event
// with the stack of the panic site, which is still intact while the
// deferred recover runs.
func markPanic(span trace.Span, v any) {
	if !span.IsRecording() {
		return
	}
	typ := fmt.Sprintf("%T", v)
	msg := fmt.Sprint(v)
	if err, ok := v.(error); ok && !typedNil(err) {
		typ = exceptionType(err)
	}
	span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(
		semconv.ExceptionType(typ),
		semconv.ExceptionMessage("panic: "+msg),
		semconv.ExceptionStacktrace(panicStack()),
	))
	span.SetStatus(codes.Error, "panic: "+msg)
	span.SetAttributes(semconv.ErrorTypeKey.String(typ))
}

// panicStack returns the stack of the panicking goroutine from the panic
// site outwards, called from a deferred function while the panic unwinds,
// printed as RecordSpanError prints an error's: functions, files and
// lines, without the argument values runtime/debug.Stack would add (they
// may hold personal data).
func panicStack() string {
	var pcs [64]uintptr
	n := runtime.Callers(2, pcs[:])
	var frames []errorsx.Frame
	it := runtime.CallersFrames(pcs[:n])
	for {
		f, more := it.Next()
		if f.Function == "runtime.gopanic" {
			frames = frames[:0] // the panic site is next
		} else if f.Function != "runtime.goexit" {
			frames = append(frames, errorsx.Frame{Function: f.Function, File: f.File, Line: f.Line})
		}
		if !more {
			break
		}
	}
	return stacktrace(frames)
}
