package supportkit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"

	"go.opentelemetry.io/otel"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
	"github.com/supportkit/supportkit/metrics"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/tracing"
)

// The README's metrics snippet is serveMeasured, getOrder and observe as
// written here (TestReadmeSnippets checks it): wiring by hand composes
// metrics with tracing, reporting and health, which only this package and
// the examples may do. Example_readmeMetrics runs it.

func serveMeasured(ctx context.Context, log *zap.Logger, rep *reporting.Reporter, reg *health.Registry, srv *http.Server, ln net.Listener) error {
	prov, err := metrics.Setup(ctx, metrics.WithLogger(log)) // reads the OTEL_* variables
	if err != nil {
		return err
	}
	defer prov.Shutdown(ctx) // idempotent, bounded by ctx, last push
	if err := observe(prov, reg, rep); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", getOrder)
	mux.Handle("GET /metrics", prov.Handler()) // Prometheus; OpenMetrics (exemplars) when asked
	// MarkPanics, inside reporting: a panic it recovers counts as error.type="internal".
	srv.Handler = tracing.Middleware()(prov.Middleware()(rep.Middleware(prov.MarkPanics()(mux))))
	return srv.Serve(ln)
}

func getOrder(w http.ResponseWriter, r *http.Request) {
	err := errorsx.NotFound.New("order not found", "order_id", r.PathValue("id"))
	metrics.SetErrorCode(r.Context(), errorsx.CodeOf(err)) // at the error edge: error.type="not_found"
	errorsx.WriteProblem(w, r, err, tracing.TraceID(r.Context()))
}

// observe hands the health and reporting figures to metrics, read at each scrape.
func observe(prov *metrics.Provider, reg *health.Registry, rep *reporting.Reporter) error {
	checks := prov.ObserveChecks(func() []metrics.CheckState {
		var states []metrics.CheckState
		for _, c := range reg.Snapshot().Results() {
			states = append(states, metrics.CheckState{Name: c.Name, Status: c.Status.String(), LastDuration: c.Duration,
				Runs: c.Runs, Failures: c.Failures, Timeouts: c.Timeouts, Panics: c.Panics, StuckRuns: c.StuckRuns})
		}
		return states
	})
	reports := prov.ObserveReporting(func() metrics.ReportingStats {
		st := rep.Stats()
		return metrics.ReportingStats{Captured: uint64(st.Captured), Suppressed: uint64(st.Suppressed),
			Dropped: uint64(st.Dropped), Sent: uint64(st.Sent), Outboxed: uint64(st.Outboxed),
			Replayed: uint64(st.Replayed), Evicted: uint64(st.Evicted), OutboxBytes: st.OutboxBytes}
	})
	return errors.Join(checks, reports)
}

// The README's metrics snippet: a request that fails with not_found, a
// check that fails, an event captured, all on one scrape.
func Example_readmeMetrics() {
	defer otel.SetMeterProvider(otel.GetMeterProvider()) // metrics.Setup installs its own
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "outbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	rep, err := reporting.Setup(ctx, reporting.WithDSN(""), reporting.WithOutbox(dir, 0))
	if err != nil {
		panic(err)
	}
	defer rep.Shutdown(ctx)
	reporting.Capture(rep.Bind(ctx), errorsx.Internal.New("one event"))
	reg, err := health.Setup(ctx, health.WithCheck("inventory", health.CheckFunc(func(context.Context) error {
		return errors.New("inventory down")
	})))
	if err != nil {
		panic(err)
	}
	defer reg.Shutdown(ctx)
	for s := reg.Snapshot(); s.Status(health.Readiness) != health.StatusFail; s = reg.Snapshot() {
		<-s.Next() // until the check's first run has ended
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{}
	done := make(chan error, 1)
	go func() { done <- serveMeasured(ctx, zap.NewNop(), rep, reg, srv, ln) }()

	base := "http://" + ln.Addr().String()
	for range 2 {
		resp, err := http.Get(base + "/orders/42")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println("GET /orders/42:", resp.StatusCode)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_ = srv.Shutdown(ctx)
	fmt.Println("serve:", <-done)

	scope := regexp.MustCompile(`otel_scope_[a-z_]+="[^"]*",?`)
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "http_server_request_duration_seconds_count") ||
			strings.HasPrefix(line, `supportkit_health_check_status{`) && strings.Contains(line, `"fail"`) ||
			strings.HasPrefix(line, "supportkit_reporting_events_captured") {
			fmt.Print(strings.Replace(scope.ReplaceAllString(line, ""), ",}", "}", 1))
		}
	}
	// Output:
	// GET /orders/42: 404
	// GET /orders/42: 404
	// serve: http: Server closed
	// http_server_request_duration_seconds_count{error_type="not_found",http_request_method="GET",http_response_status_code="404",http_route="/orders/{id}",url_scheme="http"} 2
	// supportkit_health_check_status{supportkit_health_check="inventory",supportkit_health_status="fail"} 1
	// supportkit_reporting_events_captured_total{} 1
}
