package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
	"github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/tracing/grpctracing"
)

// runDemo starts the service on a free port of 127.0.0.1 with events kept
// in a local outbox (a temporary one unless SUPPORTKIT_OUTBOX is set) and
// the payment dependency failing, calls each method once as a client
// would, and prints what a support engineer gets for each: the status
// code and message, the ErrorInfo reference, the report's title in the
// outbox and the trace ID. It fails when a server-side failure has no
// report, or a reference leads nowhere.
func runDemo(w io.Writer) error {
	cfg, err := settingsFromEnv()
	if err != nil {
		return err
	}
	cfg.demo, cfg.failing, cfg.noDrainDelay = true, true, true
	if cfg.outbox == "" {
		dir, err := os.MkdirTemp("", "grpcservice-demo-outbox")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.outbox = dir
	}
	ctx := context.Background()
	a, err := setup(ctx, cfg, zap.NewNop())
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = a.srv.Serve(lis) }()
	defer func() { _ = a.shutdown(ctx) }()

	cc, err := grpc.NewClient(lis.Addr().String(), append(grpctracing.DialOptions(a.tp),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		return err
	}
	defer cc.Close()
	tracer := a.tp.TracerProvider().Tracer("grpcservice-demo")

	fmt.Fprintf(w, "gRPC service on %s, reports in %s\n\n", lis.Addr(), cfg.outbox)
	var failures []error
	for _, c := range []struct {
		method, arg string
		timeout     time.Duration
		reported    bool
	}{
		{"Get", "1", 0, false},
		{"Get", "42", 0, false},                       // not found: the client's mistake, no report
		{"Pay", "1", 0, true},                         // a failing dependency: reported
		{"Audit", "1", 0, true},                       // a panic: recovered, reported
		{"Slow", "2s", 100 * time.Millisecond, false}, // the client's deadline passes first
	} {
		cctx, span := tracer.Start(ctx, "demo "+c.method)
		if c.timeout > 0 {
			var cancel context.CancelFunc
			cctx, cancel = context.WithTimeout(cctx, c.timeout)
			defer cancel()
		}
		out, err := call(cctx, cc, c.method, c.arg)
		span.End()
		traceID := span.SpanContext().TraceID().String()
		fmt.Fprintf(w, "%s.%s(%q)\n", serviceName, c.method, c.arg)
		if err == nil {
			fmt.Fprintf(w, "   answer        %q\n   trace         %s\n\n", out, traceID)
			continue
		}
		st := status.Convert(err)
		ref := reference(st)
		fmt.Fprintf(w, "   status        %s %q\n", st.Code(), st.Message())
		fmt.Fprintf(w, "   go client     errorsx code %s (grpcerrors.FromError)\n", errorsx.CodeOf(grpcerrors.FromError(err)))
		fmt.Fprintf(w, "   reference     %s\n", orNone(ref))
		fmt.Fprintf(w, "   trace         %s\n", traceID)
		if !c.reported {
			fmt.Fprintf(w, "   report        none: %s\n\n", whyNoReport(st.Code(), ref))
			continue
		}
		if err := a.rep.Flush(ctx); err != nil {
			return err
		}
		ev, err := readOutboxEvent(cfg.outbox, ref)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", c.method, err))
			fmt.Fprintf(w, "   report        MISSING: %v\n\n", err)
			continue
		}
		fmt.Fprintf(w, "   report        %s (event %s, level %s, transaction %s)\n", ev.title(), ev.EventID, ev.Level, ev.Transaction)
		fmt.Fprintf(w, "   report trace  %s\n\n", ev.Contexts.Trace.TraceID)
		if ev.Contexts.Trace.TraceID != traceID {
			failures = append(failures, fmt.Errorf("%s: the report's trace %s is not the call's %s", c.method, ev.Contexts.Trace.TraceID, traceID))
		}
	}

	hc := healthpb.NewHealthClient(cc)
	res, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: "readiness"})
	fmt.Fprintf(w, "grpc.health.v1.Health/Check(\"readiness\")\n   status        %s %v (the payment dependency fails)\n", res.GetStatus(), errOrOK(err))
	return errors.Join(failures...)
}

// reference returns the reference_id of a status's ErrorInfo.
func reference(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetMetadata()[grpcerrors.ReferenceKey]
		}
	}
	return ""
}

func whyNoReport(c codes.Code, ref string) string {
	switch {
	case c == codes.DeadlineExceeded && ref == "":
		return "the client's own deadline passed; the server's span shows the call"
	case ref != "":
		return "a client's mistake is not reported; the reference is the trace ID"
	}
	return "nothing to report"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func errOrOK(err error) string {
	if err != nil {
		return err.Error()
	}
	return ""
}

// readOutboxEvent reads the event with the given ID from the outbox.
func readOutboxEvent(dir, id string) (*demoEvent, error) {
	env, err := outbox.Lookup(dir, id)
	if err != nil {
		return nil, err
	}
	for _, it := range env.Items {
		var ev demoEvent
		if it.Header["type"] == "event" && json.Unmarshal(it.Payload, &ev) == nil {
			return &ev, nil
		}
	}
	return nil, fmt.Errorf("event %s: no event item", id)
}

// demoEvent is the part of a Sentry event the demo prints.
type demoEvent struct {
	EventID     string `json:"event_id"`
	Level       string `json:"level"`
	Transaction string `json:"transaction"`
	Exception   []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"exception"`
	Contexts struct {
		Trace struct {
			TraceID string `json:"trace_id"`
		} `json:"trace"`
	} `json:"contexts"`
}

// title is what Sentry shows as the title: the last exception.
func (e *demoEvent) title() string {
	if len(e.Exception) == 0 {
		return "(no exception)"
	}
	x := e.Exception[len(e.Exception)-1]
	return x.Type + ": " + x.Value
}
