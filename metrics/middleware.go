package metrics

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/polled"
)

// OtherValue is the value a request attribute takes when the real one
// would be unbounded or unknown: the method of a request whose method is
// not one of HTTP's standard ones, and the route of a request no route
// pattern matched (the mux's 404 and 405 answers, or a router that does
// not set r.Pattern).
const OtherValue = "_OTHER"

// MiddlewareOption configures [Provider.Middleware].
type MiddlewareOption func(*middlewareConfig)

type middlewareConfig struct {
	filter func(*http.Request) bool
}

// WithFilter replaces the default filter, [DefaultFilter]: a request is
// measured only when filter returns true. A nil filter keeps the default,
// as in package tracing (the module's convention: a zero value is the
// default); to measure every request, give one that returns true.
func WithFilter(filter func(*http.Request) bool) MiddlewareOption {
	return func(c *middlewareConfig) {
		if filter != nil {
			c.filter = filter
		}
	}
}

// DefaultFilter reports whether a request should be measured: every
// request except those to the health endpoints /livez, /readyz,
// /startupz, /healthz, /health and /ping (and the paths under them, such
// as /livez/ping), and to /metrics. The health instruments ([Provider.ObserveChecks])
// report the probes' state instead.
func DefaultFilter(r *http.Request) bool {
	return !polled.Path(r.URL.Path)
}

// Middleware returns HTTP server middleware that records, for each request,
// its duration in the http.server.request.duration histogram (seconds,
// with the semantic conventions' buckets; its count is the request count)
// with these attributes, whose values come from the code and never from
// the request:
//
//   - http.route: the route pattern the http.ServeMux matched, read from
//     r.Pattern once the handler returns ("/orders/{id}", never
//     "/orders/42"); [OtherValue] when no pattern matched;
//   - http.request.method: one of the nine standard methods, else
//     [OtherValue];
//   - http.response.status_code and url.scheme;
//   - error.type, for a request that failed (status 4xx or 5xx): the
//     errorsx code the handler's error edge gave [SetErrorCode]
//     ("internal", "not_found", ...); without one, the status code for a
//     5xx ("500") and nothing for a 4xx. A panic that passes through the
//     middleware is recorded as status 500 with the code set, or
//     "internal", and goes on up.
//
// Place it inside the tracing middleware, so that the request's context
// holds its span: when the span is sampled, its duration sample carries the
// trace ID as an exemplar (the SDK's default exemplar filter,
// trace_based). Place it outside the reporting middleware and the mux, so
// that the route and the error code come back up to it, with
// [Provider.MarkPanics] inside the reporting middleware, so that a panic
// it recovers is counted as "internal":
//
//	handler := tracing.Middleware()(prov.Middleware()(rep.Middleware(prov.MarkPanics()(mux))))
//
// Requests to the health endpoints are not measured ([DefaultFilter]).
// When metrics are off, Middleware returns the handler unchanged: nothing
// is added to the request path.
func (p *Provider) Middleware(opts ...MiddlewareOption) func(http.Handler) http.Handler {
	c := middlewareConfig{filter: DefaultFilter}
	for _, opt := range opts {
		opt(&c)
	}
	if p == nil || p.requests == nil {
		return func(next http.Handler) http.Handler { return next }
	}
	return func(next http.Handler) http.Handler {
		return &measured{next: next, filter: c.filter, inst: p.requests}
	}
}

type measured struct {
	next   http.Handler
	filter func(*http.Request) bool
	inst   *requestInstruments
}

func (m *measured) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.filter != nil && !m.filter(r) {
		m.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	ex := &exchange{Context: r.Context(), w: w}
	inner := r.WithContext(ex)
	panicking := true
	defer func() {
		// The route comes back up to an outer middleware (tracing names
		// its span by it), as net/http's ServeMux sets it on the request
		// it is given.
		if r.Pattern == "" {
			r.Pattern = inner.Pattern
		}
		if panicking {
			// The panic goes on up to whatever recovers it; the request
			// is counted as the 500 it will most likely become.
			code := ex.errorCode()
			if code.IsZero() {
				code = errorsx.Internal
			}
			m.inst.record(r.Context(), start, r, inner.Pattern, http.StatusInternalServerError, code)
		}
	}()
	m.next.ServeHTTP(ex, inner)
	panicking = false
	status := ex.status
	if status == 0 {
		status = http.StatusOK // a handler that writes nothing answers 200
	}
	m.inst.record(r.Context(), start, r, inner.Pattern, status, ex.errorCode())
}

// SetErrorCode tells the metrics middleware serving the request whose
// context is ctx the errorsx code its failure had, for the error.type
// attribute. The application's error edge (the handler helper that turns
// an error into its answer) calls it with errorsx.CodeOf(err). Taking an
// errorsx.Code rather than a string keeps the attribute's values to the
// codes the program defines. Outside such a request, or with the zero
// code or OK, it does nothing. It is safe to call from any goroutine.
func SetErrorCode(ctx context.Context, code errorsx.Code) {
	if code.IsZero() || code == errorsx.OK {
		return
	}
	if ex, ok := ctx.Value(exchangeKey{}).(*exchange); ok {
		ex.mu.Lock()
		ex.code = code
		ex.mu.Unlock()
	}
}

// MarkPanics returns the middleware that goes inside a middleware that
// recovers panics (the reporting middleware, which answers them 500),
// between it and the mux:
//
//	prov.Middleware()(rep.Middleware(prov.MarkPanics()(mux)))
//
// When the handler panics, it tells the metrics middleware outside, so that
// the request is recorded with error.type "internal", as a panic that
// passes through the metrics middleware is (unless the handler gave
// [SetErrorCode] a code first); without it the recovered request is
// recorded as a 500 with no code ("500"). It does not recover: the panic
// goes on up as it was. supportkit's Service.Handler places it. When
// metrics are off, it returns the handler unchanged.
func (p *Provider) MarkPanics() func(http.Handler) http.Handler {
	if p == nil || p.requests == nil {
		return func(next http.Handler) http.Handler { return next }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			returned := false
			defer func() {
				if !returned {
					setPanicked(r.Context())
				}
			}()
			next.ServeHTTP(w, r)
			returned = true
		})
	}
}

// setPanicked gives the request's exchange the code "internal" unless it
// has one.
func setPanicked(ctx context.Context) {
	if ex, ok := ctx.Value(exchangeKey{}).(*exchange); ok {
		ex.mu.Lock()
		if ex.code.IsZero() {
			ex.code = errorsx.Internal
		}
		ex.mu.Unlock()
	}
}

// requestInstruments are the request path's instruments and a cache of
// the attribute sets they record with: building a set sorts and allocates,
// and a service sees the same few hundred combinations all day. The cache
// is copied on write, so that requests read it without a lock (a
// read-write mutex's shared counter would bounce between cores); writes
// happen only for combinations not seen before.
type requestInstruments struct {
	duration metric.Float64Histogram

	cache atomic.Pointer[map[attrKey][]metric.RecordOption]
	mu    sync.Mutex // serialises writers
}

// maxCachedSets bounds the cache (and the copying on a write); past it,
// sets are built per request. The attributes are bounded anyway: routes
// and codes come from the program, methods and statuses from fixed lists.
const maxCachedSets = 1024

type attrKey struct {
	method  string
	route   string
	status  int
	errType string
	tls     bool
}

// durationBuckets are the semantic conventions' advisory boundaries for
// http.server.request.duration.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

func newRequestInstruments(m metric.Meter) (*requestInstruments, error) {
	d, err := m.Float64Histogram("http.server.request.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP server requests."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		return nil, err
	}
	ri := &requestInstruments{duration: d}
	ri.cache.Store(&map[attrKey][]metric.RecordOption{})
	return ri, nil
}

func (ri *requestInstruments) record(ctx context.Context, start time.Time, r *http.Request, pattern string, status int, code errorsx.Code) {
	elapsed := time.Since(start).Seconds()
	k := attrKey{
		method:  knownMethod(r.Method),
		route:   route(pattern),
		status:  status,
		errType: errorType(status, code),
		tls:     r.TLS != nil,
	}
	opts, ok := (*ri.cache.Load())[k]
	if !ok {
		opts = ri.add(k)
	}
	ri.duration.Record(ctx, elapsed, opts...)
}

// add builds the options for k and, while the cache has room, publishes a
// copy of the cache that holds them.
func (ri *requestInstruments) add(k attrKey) []metric.RecordOption {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	old := *ri.cache.Load()
	if opts, ok := old[k]; ok {
		return opts // another request added it meanwhile
	}
	opts := k.options()
	if len(old) < maxCachedSets {
		next := make(map[attrKey][]metric.RecordOption, len(old)+1)
		maps.Copy(next, old)
		next[k] = opts
		ri.cache.Store(&next)
	}
	return opts
}

func (k attrKey) options() []metric.RecordOption {
	scheme := "http"
	if k.tls {
		scheme = "https"
	}
	attrs := []attribute.KeyValue{
		semconv.HTTPRequestMethodKey.String(k.method),
		semconv.HTTPRoute(k.route),
		semconv.HTTPResponseStatusCode(k.status),
		semconv.URLScheme(scheme),
	}
	if k.errType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(k.errType))
	}
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
}

// knownMethod returns the method if it is one of the standard ones, and
// OtherValue otherwise: the method is the client's to choose.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodConnect,
		http.MethodOptions, http.MethodTrace:
		return m
	}
	return OtherValue
}

// route turns a ServeMux pattern ("GET example.com/orders/{id}") into
// http.route ("/orders/{id}"): the method and host are attributes of their
// own, or none.
func route(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		return pattern[i:]
	}
	return OtherValue
}

// statusText holds "500".."599" so that error.type needs no allocation.
var statusText = func() (s [100]string) {
	for i := range s {
		s[i] = strconv.Itoa(500 + i)
	}
	return s
}()

func errorType(status int, code errorsx.Code) string {
	if status < 400 {
		return ""
	}
	if !code.IsZero() && code != errorsx.OK {
		return code.String()
	}
	if status >= 500 && status < 600 {
		return statusText[status-500]
	}
	return ""
}
