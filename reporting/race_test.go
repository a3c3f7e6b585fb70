package reporting_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestOneRequestManyGoroutines drives Capture, error and DPanic log lines
// (through WrapCore), breadcrumbs, reporting.Go and a panic on one
// request's context from many goroutines at once, while the handler goes
// on changing its request afterwards; run with -race. Every event ID handed out
// leads to an event, and the breadcrumb data the handler gave is never
// modified.
func TestOneRequestManyGoroutines(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithStormLimit(1e6, 1e6), reporting.WithQueueSize(10000))
	log, _ := newLogger(rec)
	const workers, rounds = 8, 8

	var (
		mu  sync.Mutex
		ids []string
	)
	keep := func(id string) {
		if id != "" {
			mu.Lock()
			ids = append(ids, id)
			mu.Unlock()
		}
	}
	data := map[string]any{"api_key": "k", "note": "got " + jwt}
	var goDone sync.WaitGroup
	h := rec.Reporter().Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		l := log.With(reporting.LogContext(ctx))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range rounds {
					reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "crumb " + jwt, Data: data})
					l.Info("step", zap.Int("i", i), zap.String("token", "t"))
					keep(reporting.Capture(ctx, errorsx.Internal.New("captured", "w", w, "i", i)))
					err := errorsx.Unavailable.New("logged", "w", w)
					l.Error("failed", errorsx.Zap(err))
					l.DPanic("very bad", zap.Error(fmt.Errorf("dpanic %d", i)))
					reporting.SetTag(ctx, fmt.Sprint("w", w), fmt.Sprint(i))
				}
			})
			goDone.Add(1)
			reporting.Go(ctx, func(ctx context.Context) {
				defer goDone.Done()
				keep(reporting.Capture(ctx, errorsx.Internal.New("in goroutine")))
				reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "goroutine", Data: data})
				if w%2 == 0 {
					panic("goroutine panics")
				}
			})
		}
		for range rounds {
			keep(reporting.Capture(ctx, errorsx.Internal.New("handler")))
		}
		wg.Wait()
		goDone.Wait()
		// The handler goes on with its request while the reporter builds
		// events. (A handler that changes its request while its own
		// goroutines still report from it races with them: the request is
		// read on the goroutine that reports.)
		for i := range rounds {
			keep(reporting.Capture(ctx, errorsx.Internal.New("handler")))
			r.Header.Set("X-Step", fmt.Sprint(i))
			r.Header.Add("X-Trail", jwt)
			r.URL.Path = fmt.Sprintf("/orders/%d", i)
		}
		panic("handler panics")
	}))
	req := httptest.NewRequest("GET", "/orders/1", nil)
	req.Header.Set("Authorization", "Bearer "+jwt)
	h.ServeHTTP(httptest.NewRecorder(), req)

	evs := rec.Events()
	got := map[string]bool{}
	for _, ev := range evs {
		got[string(ev.EventID)] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Errorf("event %s handed out but not delivered", id)
		}
	}
	// Captures, error and DPanic lines of the workers, the goroutines'
	// captures and panics, the handler's captures and panic.
	if want := workers*rounds*3 + workers + workers/2 + 2*rounds + 1; len(evs) != want {
		t.Errorf("got %d events, want %d", len(evs), want)
	}
	want := map[string]any{"api_key": "k", "note": "got " + jwt}
	if diff := cmp.Diff(want, data); diff != "" {
		t.Errorf("caller's breadcrumb data changed (-want +got):\n%s", diff)
	}
}

// TestEventHasRequestAsCaptured: the event and BeforeSend's hint carry
// the request as it was when Capture was called, though the handler
// changes it right after, while the event is built.
func TestEventHasRequestAsCaptured(t *testing.T) {
	var mu sync.Mutex
	var hintHeader, hintPath string
	rec := reportingtest.New(t, reporting.WithBeforeSend(func(ev *sentry.Event, hint *sentry.EventHint) *sentry.Event {
		mu.Lock()
		defer mu.Unlock()
		if hint.Request != nil {
			hintHeader, hintPath = hint.Request.Header.Get("X-Step"), hint.Request.URL.Path
		}
		return ev
	}))
	mux := http.NewServeMux()
	mux.HandleFunc("/before", func(_ http.ResponseWriter, r *http.Request) {
		reporting.Capture(r.Context(), errorsx.Internal.New("boom"))
		r.Header.Set("X-Step", "after")
		r.URL.Path = "/after"
		r.Pattern = "/after"
	})
	h := rec.Reporter().Middleware(mux)
	req := httptest.NewRequest("GET", "/before", nil)
	req.Header.Set("X-Step", "before")
	h.ServeHTTP(httptest.NewRecorder(), req)
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	mu.Lock()
	defer mu.Unlock()
	got := map[string]string{"header": evs[0].Request.Headers["X-Step"], "transaction": evs[0].Transaction, "hint header": hintHeader, "hint path": hintPath}
	want := map[string]string{"header": "before", "transaction": "GET /before", "hint header": "before", "hint path": "/before"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
}
