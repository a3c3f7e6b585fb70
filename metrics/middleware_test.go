package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportkit/supportkit/errorsx"
)

const durationName = "http.server.request.duration"

// testMux is the application the middleware tests wrap.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("order " + r.PathValue("id")))
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		SetErrorCode(r.Context(), errorsx.Internal)
		w.WriteHeader(http.StatusInternalServerError)
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		SetErrorCode(r.Context(), errorsx.NotFound)
		http.NotFound(w, r)
	})
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot) // a 4xx with no code: no error.type
	})
	mux.HandleFunc("/bad-gateway", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway) // a 5xx with no code: its status
	})
	mux.HandleFunc("/early-hints", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("/empty", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/livez", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET example.com/hosted", func(w http.ResponseWriter, r *http.Request) {})
	return mux
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

func TestMiddlewareRecordsRouteMethodStatusAndErrorCode(t *testing.T) {
	p, reader := setupManual(t)
	h := p.Middleware()(testMux())

	serve(h, "GET", "/orders/1")
	serve(h, "GET", "/orders/2")
	serve(h, "GET", "/fail")
	serve(h, "GET", "/missing")
	serve(h, "GET", "/teapot")
	serve(h, "GET", "/bad-gateway")
	serve(h, "GET", "/early-hints")
	serve(h, "GET", "/empty")
	serve(h, "GET", "/no/such/path/42") // the mux's 404: no pattern
	serve(h, "DELETE", "/orders/3")     // the mux's 405: no pattern
	serve(h, "BREW", "/orders/4")       // a method of the client's own
	serve(h, "GET", "/livez")           // a probe: not measured
	serve(h, "GET", "/livez/ping")      // under a probe: not measured
	serve(h, "GET", "http://example.com/hosted")

	want := map[string]uint64{
		"http.request.method=GET,http.response.status_code=200,http.route=/orders/{id},url.scheme=http":                  2,
		"error.type=internal,http.request.method=GET,http.response.status_code=500,http.route=/fail,url.scheme=http":     1,
		"error.type=not_found,http.request.method=GET,http.response.status_code=404,http.route=/missing,url.scheme=http": 1,
		"http.request.method=GET,http.response.status_code=418,http.route=/teapot,url.scheme=http":                       1,
		"error.type=502,http.request.method=GET,http.response.status_code=502,http.route=/bad-gateway,url.scheme=http":   1,
		"http.request.method=GET,http.response.status_code=201,http.route=/early-hints,url.scheme=http":                  1,
		"http.request.method=GET,http.response.status_code=200,http.route=/empty,url.scheme=http":                        1,
		"http.request.method=GET,http.response.status_code=404,http.route=_OTHER,url.scheme=http":                        1,
		"http.request.method=DELETE,http.response.status_code=405,http.route=_OTHER,url.scheme=http":                     1,
		"http.request.method=_OTHER,http.response.status_code=405,http.route=_OTHER,url.scheme=http":                     1,
		"http.request.method=GET,http.response.status_code=200,http.route=/hosted,url.scheme=http":                       1,
	}
	if diff := cmp.Diff(want, histogramCounts(t, collect(t, reader), durationName)); diff != "" {
		t.Errorf("request counts mismatch (-want +got):\n%s", diff)
	}
}

func TestMiddlewareHistogramUnitAndBuckets(t *testing.T) {
	p, reader := setupManual(t)
	serve(p.Middleware()(testMux()), "GET", "/orders/1")
	m, ok := findMetric(collect(t, reader), durationName)
	if !ok {
		t.Fatal("no " + durationName)
	}
	h := m.Data.(metricdata.Histogram[float64])
	got := struct {
		Unit   string
		Bounds []float64
	}{m.Unit, h.DataPoints[0].Bounds}
	want := struct {
		Unit   string
		Bounds []float64
	}{"s", []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("histogram mismatch (-want +got):\n%s", diff)
	}
}

// copyingMiddleware is what a middleware between the metrics middleware
// and the mux may do: hand a copy of the request down, and copy the
// pattern the mux set on it back up once the handler returns.
func copyingMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		type key struct{}
		inner := r.WithContext(context.WithValue(r.Context(), key{}, "scope"))
		next.ServeHTTP(w, inner)
		r.Pattern = inner.Pattern
	})
}

func TestMiddlewareReadsThePatternAfterTheHandlerReturns(t *testing.T) {
	p, reader := setupManual(t)
	h := p.Middleware()(copyingMiddleware(testMux()))
	serve(h, "GET", "/orders/7")
	serve(h, "GET", "/fail") // SetErrorCode through the copy's context
	want := map[string]uint64{
		"http.request.method=GET,http.response.status_code=200,http.route=/orders/{id},url.scheme=http":              1,
		"error.type=internal,http.request.method=GET,http.response.status_code=500,http.route=/fail,url.scheme=http": 1,
	}
	if diff := cmp.Diff(want, histogramCounts(t, collect(t, reader), durationName)); diff != "" {
		t.Errorf("request counts mismatch (-want +got):\n%s", diff)
	}
}

func TestMiddlewareRecordsAPanicAndLetsItGoOn(t *testing.T) {
	p, reader := setupManual(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("/panic-coded", func(_ http.ResponseWriter, r *http.Request) {
		SetErrorCode(r.Context(), errorsx.Unavailable)
		panic("down")
	})
	h := p.Middleware()(mux)
	for _, path := range []string{"/panic", "/panic-coded"} {
		func() {
			defer func() {
				if v := recover(); v == nil {
					t.Errorf("%s: the panic did not go on up", path)
				}
			}()
			serve(h, "GET", path)
		}()
	}
	want := map[string]uint64{
		"error.type=internal,http.request.method=GET,http.response.status_code=500,http.route=/panic,url.scheme=http":          1,
		"error.type=unavailable,http.request.method=GET,http.response.status_code=500,http.route=/panic-coded,url.scheme=http": 1,
	}
	if diff := cmp.Diff(want, histogramCounts(t, collect(t, reader), durationName)); diff != "" {
		t.Errorf("request counts mismatch (-want +got):\n%s", diff)
	}
}

// recovering stands for the reporting middleware: it recovers a panic and
// answers 500.
func recovering(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// TestMarkPanics: a panic recovered inside the middleware is counted as
// "internal" (or the code the handler set) with MarkPanics inside the
// recovering middleware, and as a bare "500" without it; a request that
// does not panic keeps its own code.
func TestMarkPanics(t *testing.T) {
	mux := func() *http.ServeMux {
		mux := http.NewServeMux()
		mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
		mux.HandleFunc("/panic-coded", func(_ http.ResponseWriter, r *http.Request) {
			SetErrorCode(r.Context(), errorsx.Unavailable)
			panic("down")
		})
		mux.HandleFunc("/fine", func(w http.ResponseWriter, r *http.Request) {
			SetErrorCode(r.Context(), errorsx.NotFound)
			w.WriteHeader(http.StatusNotFound)
		})
		return mux
	}
	for _, tt := range []struct {
		name   string
		marked bool
		want   map[string]uint64
	}{
		{"marked", true, map[string]uint64{
			"error.type=internal,http.request.method=GET,http.response.status_code=500,http.route=/panic,url.scheme=http":          1,
			"error.type=unavailable,http.request.method=GET,http.response.status_code=500,http.route=/panic-coded,url.scheme=http": 1,
			"error.type=not_found,http.request.method=GET,http.response.status_code=404,http.route=/fine,url.scheme=http":          1,
		}},
		{"unmarked", false, map[string]uint64{
			"error.type=500,http.request.method=GET,http.response.status_code=500,http.route=/panic,url.scheme=http":               1,
			"error.type=unavailable,http.request.method=GET,http.response.status_code=500,http.route=/panic-coded,url.scheme=http": 1,
			"error.type=not_found,http.request.method=GET,http.response.status_code=404,http.route=/fine,url.scheme=http":          1,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, reader := setupManual(t)
			var inner http.Handler = mux()
			if tt.marked {
				inner = p.MarkPanics()(inner)
			}
			h := p.Middleware()(recovering(inner))
			for _, path := range []string{"/panic", "/panic-coded", "/fine"} {
				serve(h, "GET", path)
			}
			if diff := cmp.Diff(tt.want, histogramCounts(t, collect(t, reader), durationName)); diff != "" {
				t.Errorf("request counts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMarkPanicsOff: with metrics off (or no provider) MarkPanics adds
// nothing to the request path, and a panic goes on up unchanged.
func TestMarkPanicsOff(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_SDK_DISABLED", "true")
	off, err := Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = off.Shutdown(context.Background()) })
	for name, p := range map[string]*Provider{"disabled": off, "nil": nil} {
		next := &countingHandler{}
		if got := p.MarkPanics()(next); got != http.Handler(next) {
			t.Errorf("%s: MarkPanics wrapped the handler: %T", name, got)
		}
	}
	p, _ := setupManual(t)
	h := p.MarkPanics()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want the handler's own panic", v)
			}
		}()
		serve(h, "GET", "/x")
	}()
}

type countingHandler struct{ n int }

func (c *countingHandler) ServeHTTP(http.ResponseWriter, *http.Request) { c.n++ }

func TestMiddlewareFilter(t *testing.T) {
	p, reader := setupManual(t)
	all := p.Middleware(WithFilter(func(*http.Request) bool { return true }))(testMux())
	serve(all, "GET", "/livez")
	byDefault := p.Middleware(WithFilter(nil))(testMux())
	serve(byDefault, "GET", "/readyz")
	serve(byDefault, "GET", "/metrics")
	none := p.Middleware(WithFilter(func(*http.Request) bool { return false }))(testMux())
	serve(none, "GET", "/orders/1")
	want := map[string]uint64{
		"http.request.method=GET,http.response.status_code=200,http.route=/livez,url.scheme=http": 1,
	}
	if diff := cmp.Diff(want, histogramCounts(t, collect(t, reader), durationName)); diff != "" {
		t.Errorf("request counts mismatch (-want +got):\n%s", diff)
	}
}

func TestMiddlewareExemplarCarriesTheSampledTraceID(t *testing.T) {
	p, reader := setupManual(t)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	// A tracing middleware outside, as the documented order has it.
	tracing := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span := tp.Tracer("test").Start(ctx, "server", trace.WithSpanKind(trace.SpanKindServer))
			defer span.End()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	h := tracing(p.Middleware()(testMux()))
	req := httptest.NewRequest("GET", "/orders/1", nil)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req)

	m, _ := findMetric(collect(t, reader), durationName)
	var got []string
	for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		for _, e := range dp.Exemplars {
			got = append(got, trace.TraceID(e.TraceID).String())
		}
	}
	if diff := cmp.Diff([]string{traceID}, got); diff != "" {
		t.Errorf("exemplar trace IDs mismatch (-want +got):\n%s", diff)
	}
}

func TestMiddlewareUnsampledRequestHasNoExemplar(t *testing.T) {
	p, reader := setupManual(t)
	req := httptest.NewRequest("GET", "/orders/1", nil)
	ctx := propagation.TraceContext{}.Extract(req.Context(), propagation.HeaderCarrier{
		"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"},
	})
	p.Middleware()(testMux()).ServeHTTP(httptest.NewRecorder(), req.WithContext(ctx))
	m, _ := findMetric(collect(t, reader), durationName)
	for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		if len(dp.Exemplars) != 0 {
			t.Errorf("an unsampled request left exemplars: %+v", dp.Exemplars)
		}
	}
}

func TestMiddlewareOffReturnsTheHandlerUnchanged(t *testing.T) {
	for _, env := range []struct{ name, value string }{
		{envDisabled, "true"},
		{envExporter, "none"},
	} {
		t.Run(env.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(env.name, env.value)
			p, err := Setup(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			next := testMux()
			if got := p.Middleware()(next); got != http.Handler(next) {
				t.Errorf("Middleware wrapped the handler (%T) with metrics off", got)
			}
		})
	}
}

// The server's writer can flush and hijack; so must the wrapped one, by
// type assertion and through http.ResponseController.
func TestMiddlewareKeepsFlushAndHijack(t *testing.T) {
	p, _ := setupManual(t)
	var mu sync.Mutex
	var got []string
	h := p.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, flusher := w.(http.Flusher)
		_, hijacker := w.(http.Hijacker)
		flushErr := http.NewResponseController(w).Flush()
		mu.Lock()
		got = append(got, strings.Join([]string{boolWord(flusher), boolWord(hijacker), boolWord(flushErr == nil)}, " "))
		mu.Unlock()
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close() // the handler has returned
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"yes yes yes"}, got); diff != "" {
		t.Errorf("flusher hijacker flushed mismatch (-want +got):\n%s", diff)
	}
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// SetErrorCode may be called from the handler's own goroutines; the
// middleware reads the code once the handler has returned.
func TestSetErrorCodeConcurrently(t *testing.T) {
	p, reader := setupManual(t)
	h := p.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { SetErrorCode(r.Context(), errorsx.Unavailable) })
		}
		wg.Wait()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() { serve(h, "GET", "/x") })
	}
	wg.Wait()
	want := map[string]uint64{
		"error.type=unavailable,http.request.method=GET,http.response.status_code=503,http.route=_OTHER,url.scheme=http": 16,
	}
	if diff := cmp.Diff(want, histogramCounts(t, collect(t, reader), durationName)); diff != "" {
		t.Errorf("request counts mismatch (-want +got):\n%s", diff)
	}
}

func TestSetErrorCodeOutsideARequestDoesNothing(t *testing.T) {
	SetErrorCode(context.Background(), errorsx.Internal) // must not panic
	SetErrorCode(context.Background(), errorsx.Code{})
}

// Past maxCachedSets combinations, requests are still recorded, with sets
// built per request; the cache stops growing. Goroutines meet new
// combinations at once, as a service does at start.
func TestMiddlewareAttributeCacheIsBounded(t *testing.T) {
	p, reader := setupManual(t)
	h := p.Middleware(WithFilter(nil))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("status"))
		w.WriteHeader(code)
	}))
	methods := []string{"GET", "POST", "PUT"}
	var wg sync.WaitGroup
	for _, m := range methods {
		wg.Go(func() {
			for code := 200; code < 600; code++ {
				serve(h, m, "/?status="+strconv.Itoa(code))
			}
		})
	}
	wg.Wait()
	counts := histogramCounts(t, collect(t, reader), durationName)
	var total uint64
	for _, n := range counts {
		total += n
	}
	got := []int{len(counts), int(total), len(*p.requests.cache.Load())}
	want := []int{3 * 400, 3 * 400, maxCachedSets}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("series, requests, cached sets mismatch (-want +got):\n%s", diff)
	}
}

// TestMiddlewareRouteComesBackUp: an outer middleware (tracing) sees the
// route the mux set on the copy the metrics middleware passed down, for a
// request that returns and for one that panics.
func TestMiddlewareRouteComesBackUp(t *testing.T) {
	p, _ := setupManual(t)
	mux := testMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := p.Middleware()(mux)
	for path, want := range map[string]string{"/orders/7": "GET /orders/{id}", "/boom": "GET /boom"} {
		r := httptest.NewRequest("GET", path, nil)
		func() {
			defer func() { _ = recover() }()
			h.ServeHTTP(httptest.NewRecorder(), r)
		}()
		if r.Pattern != want {
			t.Errorf("%s: the outer request's Pattern = %q, want %q", path, r.Pattern, want)
		}
	}
}
