package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/tracing"
)

// The README's tracing snippet is run and getOrder as written here (the
// root package's TestReadmeSnippets checks it); Example_readme runs them.

// app is the service of the README's snippet: GET /orders/{id} asks a
// stock service.
type app struct {
	log    *zap.Logger
	slog   *slog.Logger
	client *http.Client
}

func run(ctx context.Context, log *zap.Logger, slogger *slog.Logger, srv *http.Server, ln net.Listener) error {
	tp, err := tracing.Setup(ctx, tracing.WithLogger(log)) // reads the OTEL_* variables; installs the globals
	if err != nil {
		return err
	}
	defer tp.Shutdown(ctx) // idempotent, bounded by ctx, flushes
	a := &app{
		log:    log,
		slog:   slog.New(tracing.SlogHandler(slogger.Handler())), // the same for log/slog
		client: &http.Client{Transport: tp.Transport(nil)},       // outgoing calls carry the trace
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", a.getOrder)
	srv.Handler = tp.Middleware()(mux) // spans named "GET /orders/{id}"
	return srv.Serve(ln)
}

func (a *app) getOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := tracing.Logger(ctx, a.log) // zap: trace_id, span_id, trace_flags
	a.slog.InfoContext(ctx, "checking stock", "order_id", r.PathValue("id"))
	if err := a.checkStock(ctx, r.PathValue("id")); err != nil {
		tracing.RecordError(ctx, err) // status error + one exception event
		log.Error("stock unknown", errorsx.Zap(err))
		http.Error(w, "stock unknown", http.StatusServiceUnavailable)
	}
}

// stockURL is the stock service's address, set by the example.
var stockURL string

// lastSpan is the span checkStock last ran in, for the example to read.
var lastSpan struct {
	sync.Mutex
	trace.Span
}

func (a *app) checkStock(ctx context.Context, id string) error {
	lastSpan.Lock()
	lastSpan.Span = trace.SpanFromContext(ctx)
	lastSpan.Unlock()
	req, err := http.NewRequestWithContext(ctx, "GET", stockURL+"/stock/"+id, nil)
	if err != nil {
		return err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return errorsx.Unavailable.Wrap(err, "ask the stock service")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return errorsx.Unavailable.New("stock service failed", "status", resp.StatusCode)
	}
	return nil
}

// The README's snippet: a service traced from the OTEL_* variables, whose
// request calls a stock service that fails.
func Example_readme() {
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	}()

	var traceparent string // what the stock service received
	stock := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparent = r.Header.Get("Traceparent")
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer stock.Close()
	stockURL = stock.URL

	core, zapLines := observer.New(zap.InfoLevel)
	var slogLines bytes.Buffer
	slogger := slog.New(slog.NewJSONHandler(&slogLines, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), zap.New(core), slogger, srv, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/orders/42")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	_ = srv.Shutdown(context.Background())
	fmt.Println("run:", <-done)

	lastSpan.Lock()
	span := lastSpan.Span.(sdktrace.ReadOnlySpan)
	lastSpan.Unlock()
	traceID := span.SpanContext().TraceID().String()
	fmt.Println("span:", span.Name(), span.Status().Code, span.Status().Description)
	for _, e := range span.Events() {
		fmt.Println("  event:", e.Name)
	}
	fmt.Println("the stock service got the trace:", strings.Contains(traceparent, traceID))
	for _, e := range zapLines.FilterMessage("stock unknown").All() {
		fmt.Println("zap line with trace_id:", e.ContextMap()["trace_id"] == traceID)
	}
	var line struct {
		TraceID string `json:"trace_id"`
	}
	for _, l := range strings.Split(strings.TrimSpace(slogLines.String()), "\n") {
		_ = json.Unmarshal([]byte(l), &line)
	}
	fmt.Println("slog line with trace_id:", line.TraceID == traceID)
	// Output:
	// 503 stock unknown
	// run: http: Server closed
	// span: GET /orders/{id} Error stock service failed
	//   event: exception
	// the stock service got the trace: true
	// zap line with trace_id: true
	// slog line with trace_id: true
}
