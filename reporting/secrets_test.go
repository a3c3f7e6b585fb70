package reporting_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// A token-shaped secret: header values, path segments and query keys are
// judged by their shape, as nothing else marks them.
const leaked = "sEcR3t7oKeN9x2Q8vB4nM6kL1pZ5wY3uT0rD"

type vault struct {
	Name string
	key  errorsx.SecretValue
}

type wallet struct {
	Owner string
	inner *vault
	any   any
}

// TestSecretNeverLeavesTheProcess carries one secret in every way a
// service might (inside error fields: an unexported struct field, a map, a
// slice, a pointer; in the request: a header, a query key and value, a
// path segment, baggage, the referer; in log fields and breadcrumb data)
// through every output: %+v, zap, slog, the span, the Sentry event,
// problem+json, and finds it in none.
func TestSecretNeverLeavesTheProcess(t *testing.T) {
	rec := reportingtest.New(t)
	var zapOut bytes.Buffer
	zcore := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&zapOut), zap.DebugLevel)
	log := zap.New(rec.Reporter().WrapCore(zcore))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })

	v := vault{Name: "v", key: errorsx.Secret(leaked)}
	newErr := func() error {
		return errorsx.Internal.New("charge failed",
			"vault", v,
			"vault_ptr", &v,
			"wallet", wallet{Owner: "w", inner: &v, any: errorsx.Secret(leaked)},
			"by_name", map[string]any{"k": errorsx.Secret(leaked)},
			"vaults", map[string]vault{"main": v},
			"list", []any{1, errorsx.Secret(leaked)},
			"token", errorsx.Secret(leaked))
	}
	var problemBody, verbose, slogJSON, slogText string
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		l := log.With(reporting.LogContext(ctx))
		reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "vault opened", Data: map[string]any{
			"api_key": leaked, "vault": v, "nested": map[string]any{"password": leaked}, "secret": errorsx.Secret(leaked),
		}})
		l.Info("opening", zap.Any("vault", v), zap.Any("creds", errorsx.Secret(leaked)))
		// Fields not marked secret are the application's to log as it
		// likes; what goes to Sentry is scrubbed by key.
		sentryOnly := zap.New(rec.Reporter().Core()).With(reporting.LogContext(ctx))
		sentryOnly.Info("token seen", zap.String("token", leaked), zap.String("session_id", leaked))
		sentryOnly.Error("vault refused", zap.String("api_key", leaked), zap.Any("vault", v))
		err := newErr()
		reporting.Capture(ctx, err)
		l.Error("charge failed", errorsx.Zap(err), zap.Any("wallet", wallet{Owner: "w", inner: &v}))

		rr := httptest.NewRecorder()
		errorsx.WriteProblem(rr, r, err, "")
		problemBody = rr.Body.String()
		verbose = fmt.Sprintf("%+v", err)
		var js, txt bytes.Buffer
		slog.New(slog.NewJSONHandler(&js, nil)).Error("charge failed", errorsx.Attr(err), "vault", v)
		slog.New(slog.NewTextHandler(&txt, nil)).Error("charge failed", errorsx.Attr(err), "vault", v, "w", wallet{inner: &v})
		slogJSON, slogText = js.String(), txt.String()
		panic(err)
	}))

	req := httptest.NewRequest("GET", "/vaults/"+leaked+"/open?"+leaked+"=1&code="+leaked, nil)
	req.Header.Set("X-Vault-Session", leaked)
	req.Header.Set("X-Request-Note", "see "+leaked)
	req.Header.Set("Baggage", "user="+leaked)
	req.Header.Set("Referer", "https://example.com/?t="+leaked)
	req.Header.Set("Authorization", "Bearer "+leaked)
	ctx, span := tp.Tracer("test").Start(req.Context(), "GET /vaults")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req.WithContext(ctx))
	span.End()

	evs := rec.Events()
	if len(evs) != 3 { // the capture (its error line reuses the ID), the Sentry-only error line, the panic
		t.Fatalf("got %d events, want 3", len(evs))
	}
	outputs := map[string]string{
		"%+v":          verbose,
		"zap":          zapOut.String(),
		"slog json":    slogJSON,
		"slog text":    slogText,
		"problem":      problemBody,
		"response":     w.Body.String() + fmt.Sprint(w.Header()),
		"span":         spanText(t, spans),
		"sentry event": eventsJSON(t, evs),
	}
	for name, out := range outputs {
		if out == "" {
			t.Errorf("%s: empty output, the test saw nothing", name)
		}
		if i := strings.Index(out, leaked); i >= 0 {
			t.Errorf("%s reveals the secret: ...%s...", name, out[max(0, i-200):min(len(out), i+60)])
		}
	}
	// The secret's carriers did reach the outputs, redacted.
	if !strings.Contains(outputs["sentry event"], "vaults/[REDACTED]/open") || !strings.Contains(outputs["sentry event"], `"vault":"{v [REDACTED]}"`) ||
		!strings.Contains(outputs["zap"], errorsx.Redacted) || !strings.Contains(outputs["%+v"], "vault: {v [REDACTED]}") {
		t.Errorf("redacted carriers missing:\nevent %s\nzap %s", outputs["sentry event"], outputs["zap"])
	}
}

func eventsJSON(t *testing.T, evs []*sentry.Event) string {
	t.Helper()
	var b strings.Builder
	for _, ev := range evs {
		js, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(js)
		b.WriteByte('\n')
	}
	return b.String()
}

func spanText(t *testing.T, spans *tracetest.SpanRecorder) string {
	t.Helper()
	var b strings.Builder
	for _, s := range spans.Ended() {
		fmt.Fprintf(&b, "%s %v %v\n", s.Name(), s.Status(), s.Attributes())
		for _, e := range s.Events() {
			fmt.Fprintf(&b, "  %s %v\n", e.Name, e.Attributes)
		}
	}
	return b.String()
}

// TestPanicTextScrubbedEverywhere: a panic whose text carries a token
// (a JWT, a bearer credential) is scrubbed in the span's status and
// exception event, the log line and the event.
func TestPanicTextScrubbedEverywhere(t *testing.T) {
	var zapOut bytes.Buffer
	zcore := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&zapOut), zap.DebugLevel)
	rec := reportingtest.New(t, reporting.WithLogger(zap.New(zcore)))
	rep := rec.Reporter()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	for _, v := range []any{"failed with " + jwt, fmt.Errorf("upstream said Authorization: Bearer %s", leaked)} {
		h := rep.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(v) }))
		req := httptest.NewRequest("GET", "/x", nil)
		ctx, span := tp.Tracer("test").Start(req.Context(), "GET /x")
		h.ServeHTTP(httptest.NewRecorder(), req.WithContext(ctx))
		span.End()
	}
	out := spanText(t, spans) + zapOut.String() + eventsJSON(t, rec.Events())
	for _, s := range []string{jwt, leaked} {
		if i := strings.Index(out, s); i >= 0 {
			t.Errorf("output reveals a token: ...%s...", out[max(0, i-100):min(len(out), i+40)])
		}
	}
	if !strings.Contains(out, "exception") {
		t.Errorf("no exception event in the span:\n%s", out)
	}
}
