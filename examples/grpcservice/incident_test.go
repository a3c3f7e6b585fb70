package main

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportkit/supportkit/internal/grpctest"
	"github.com/supportkit/supportkit/reporting/grpcreporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
	"github.com/supportkit/supportkit/tracing"
	"github.com/supportkit/supportkit/tracing/grpctracing"
)

// spanSink keeps ended spans and tells when one ends: the server ends its
// span after the client has its answer.
type spanSink struct {
	*tracetest.InMemoryExporter
	ended chan struct{}
}

func (e *spanSink) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.InMemoryExporter.ExportSpans(ctx, spans)
	select {
	case e.ended <- struct{}{}:
	default:
	}
	return err
}

func (e *spanSink) server(t *testing.T, name string) tracetest.SpanStub {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		for _, s := range e.GetSpans() {
			if s.Name == name && s.SpanKind.String() == "server" {
				return s
			}
		}
		select {
		case <-e.ended:
		case <-timeout:
			t.Fatalf("no server span %s", name)
		}
	}
}

// TestIncidentPath runs the service's wiring (tracing stats handler, then
// the reporting interceptors) over bufconn and checks what a support
// engineer gets for each failure kind: the status and its reference, the
// event (transaction, trace), the server span (status, one exception
// event, the event ID).
func TestIncidentPath(t *testing.T) {
	sink := &spanSink{tracetest.NewInMemoryExporter(), make(chan struct{}, 1)}
	tp, err := tracing.Setup(context.Background(), tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(sink)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	rec := reportingtest.New(t)
	dep := &dependency{}
	dep.failing.Store(true)
	o := &orders{dependency: dep, watchInterval: time.Millisecond}
	cc := grpctest.ServeWith(t, func(s *grpc.Server) { s.RegisterService(o.desc(), o) },
		append(grpctracing.ServerOptions(tp), grpcreporting.ServerOptions(rec.Reporter())...), grpctracing.DialOptions(tp)...)

	type view struct {
		Code        grpccodes.Code
		Reported    bool
		RefIsEvent  bool
		Transaction string
		SameTrace   bool
		SpanStatus  codes.Code
		Exceptions  []string
		SpanEventID bool
	}
	tests := []struct {
		method, arg string
		want        view
	}{
		{"Get", "42", view{grpccodes.NotFound, false, false, "", false, codes.Unset, nil, false}},
		{"Pay", "1", view{grpccodes.Unavailable, true, true, "orders.v1.Orders/Pay", true, codes.Error, []string{"unavailable"}, true}},
		{"Audit", "1", view{grpccodes.Internal, true, true, "orders.v1.Orders/Audit", true, codes.Error, []string{"panic"}, true}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			rec.Reset()
			_, err := call(context.Background(), cc, tt.method, tt.arg)
			span := sink.server(t, "orders.v1.Orders/"+tt.method)
			sink.Reset()
			got := view{Code: status.Code(err), SpanStatus: span.Status.Code}
			for _, ev := range span.Events {
				if ev.Name == "exception" {
					for _, a := range ev.Attributes {
						if a.Key == "exception.type" {
							got.Exceptions = append(got.Exceptions, a.Value.Emit())
						}
					}
				}
			}
			var spanEventID string
			for _, a := range span.Attributes {
				if a.Key == "sentry.event_id" {
					spanEventID = a.Value.Emit()
				}
			}
			got.SpanEventID = spanEventID != ""
			if evs := rec.Events(); len(evs) > 0 {
				ev := evs[0]
				got.Reported = len(evs) == 1
				got.RefIsEvent = reference(status.Convert(err)) == string(ev.EventID) && spanEventID == string(ev.EventID)
				got.Transaction = ev.Transaction
				got.SameTrace = ev.Contexts["trace"]["trace_id"] == span.SpanContext.TraceID().String()
			} else if ref := reference(status.Convert(err)); ref != span.SpanContext.TraceID().String() {
				t.Errorf("reference %q, want the trace ID %s when nothing is reported", ref, span.SpanContext.TraceID())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tt.method, diff)
			}
		})
	}

	t.Run("Watch", func(t *testing.T) {
		next, err := watchOrder(context.Background(), cc, "2")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			s, err := next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		want := []string{"order 2: placed", "order 2: paid", "order 2: packed", "order 2: shipped", "order 2: delivered"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Watch mismatch (-want +got):\n%s", diff)
		}
	})
}
