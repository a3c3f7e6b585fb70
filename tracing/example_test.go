package tracing_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/tracing"
	"github.com/supportkit/supportkit/tracing/tracingtest"
)

// Set up tracing at start, from the OTEL_* variables; flush at shutdown.
func ExampleSetup() {
	prevTP, prevProp, prevEH := otel.GetTracerProvider(), otel.GetTextMapPropagator(), otel.GetErrorHandler()
	defer func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		otel.SetErrorHandler(prevEH)
	}()

	ctx := context.Background()
	tp, err := tracing.Setup(ctx,
		tracing.WithServiceName("checkout"), // OTEL_SERVICE_NAME wins
		tracing.WithExporter("none"),        // OTEL_TRACES_EXPORTER wins
		tracing.WithLogger(zap.NewNop()))    // logs the effective configuration
	if err != nil {
		fmt.Println("tracing:", err)
		return
	}
	defer func() {
		if err := tp.Shutdown(ctx); err != nil {
			fmt.Println("tracing shutdown:", err)
		}
	}()

	// Nothing is exported, but spans still have IDs for the logs.
	_, span := tp.TracerProvider().Tracer("example").Start(ctx, "work")
	defer span.End()
	fmt.Println("trace ID valid:", span.SpanContext().IsValid())
	// Output: trace ID valid: true
}

// Wrap the mux: spans are named after the route, not the path.
func ExampleMiddleware() {
	rec := tracingtest.NewRecorder()
	defer rec.TracerProvider.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) {})
	h := tracing.Middleware(tracing.WithTracerProvider(rec.TracerProvider))(mux)

	for _, path := range []string{"/orders/1", "/orders/2", "/livez"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	for _, s := range rec.Spans() {
		for _, kv := range s.Attributes {
			if kv.Key == "http.route" {
				fmt.Println(s.Name, "http.route="+kv.Value.AsString())
			}
		}
	}
	// Output:
	// GET /orders/{id} http.route=/orders/{id}
	// GET /orders/{id} http.route=/orders/{id}
}

// Record an errorsx error on the request's span: code, message, fields,
// stack; secrets stay out.
func ExampleRecordError() {
	rec := tracingtest.NewRecorder()
	defer rec.TracerProvider.Shutdown(context.Background())
	ctx, span := rec.TracerProvider.Tracer("example").Start(context.Background(), "charge")

	err := errorsx.PermissionDenied.New("card declined", "order_id", "o-42", "card", errorsx.Secret("4111111111111111"))
	tracing.RecordError(ctx, err)
	span.End()

	s := rec.Spans()[0]
	fmt.Println("status:", s.Status.Code, s.Status.Description)
	var lines []string
	for _, kv := range s.Events[0].Attributes {
		if kv.Key != "exception.stacktrace" {
			lines = append(lines, fmt.Sprintf("%s=%s", kv.Key, kv.Value.Emit()))
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// status: Error card declined
	// card=[REDACTED]
	// exception.message=card declined
	// exception.type=permission_denied
	// order_id=o-42
}

// Every log line of a request carries its trace ID.
func ExampleLogger() {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))

	log := zap.NewExample()
	tracing.Logger(ctx, log).Info("order loaded")
	log.Info("order loaded", tracing.LogFields(ctx)...)
	tracing.Logger(context.Background(), log).Info("no request, no trace")
	// Output:
	// {"level":"info","msg":"order loaded","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01"}
	// {"level":"info","msg":"order loaded","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01"}
	// {"level":"info","msg":"no request, no trace"}
}

// Call other services with the trace context.
func ExampleTransport() {
	client := &http.Client{Transport: tracing.Transport(nil)}
	_ = client // client.Do(req.WithContext(r.Context())) from a handler
	// Output:
}

// Every log/slog record logged with a request's context carries its trace
// ID, at the top level even inside a group.
func ExampleSlogHandler() {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))

	noTime := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	log := slog.New(tracing.SlogHandler(slog.NewJSONHandler(os.Stdout, noTime)))
	log.InfoContext(ctx, "order loaded", "order_id", "o-1")
	log.WithGroup("request").InfoContext(ctx, "order loaded", "method", "GET")
	log.Info("no request, no trace")
	// Output:
	// {"level":"INFO","msg":"order loaded","order_id":"o-1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01"}
	// {"level":"INFO","msg":"order loaded","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01","request":{"method":"GET"}}
	// {"level":"INFO","msg":"no request, no trace"}
}
