package grpctracing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/stats"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
	"github.com/supportkit/supportkit/internal/grpctest"
	"github.com/supportkit/supportkit/tracing"
	"github.com/supportkit/supportkit/tracing/grpctracing"
)

const unarySpan = "supportkit.test.v1.Test/Unary"

// exporter keeps ended spans and tells when one ends: the server ends its
// span after the client has its answer.
type exporter struct {
	*tracetest.InMemoryExporter
	ended chan struct{}
}

func (e *exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.InMemoryExporter.ExportSpans(ctx, spans)
	select {
	case e.ended <- struct{}{}:
	default:
	}
	return err
}

// wait returns the ended span of that kind ("server", "client") and name,
// waiting up to 10s for it.
func (e *exporter) wait(t *testing.T, kind, name string) tracetest.SpanStub {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if s, ok := spans(e)[kind+" "+name]; ok {
			return s
		}
		select {
		case <-e.ended:
		case <-timeout:
			t.Fatalf("no %s span %s; got %v", kind, name, spans(e))
		}
	}
}

// provider returns a Provider whose spans end up in the returned exporter.
func provider(t *testing.T) (*tracing.Provider, *exporter) {
	t.Helper()
	exp := &exporter{tracetest.NewInMemoryExporter(), make(chan struct{}, 1)}
	p, err := tracing.Setup(context.Background(), tracing.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(exp)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p, exp
}

// serve serves h with the tracing handlers and errorsx/grpcerrors's
// interceptors. (The tests of examples/grpcservice run the whole stack,
// reporting included.)
func serve(t *testing.T, p *tracing.Provider, h *grpctest.Handler) *grpc.ClientConn {
	return grpctest.ServeWith(t, func(s *grpc.Server) {
		s.RegisterService(h.Desc(), h)
		healthpb.RegisterHealthServer(s, health.NewServer())
	}, append(grpctracing.ServerOptions(p), grpc.ChainUnaryInterceptor(grpcerrors.UnaryServerInterceptor())), grpctracing.DialOptions(p)...)
}

func spans(exp *exporter) map[string]tracetest.SpanStub {
	out := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		out[s.SpanKind.String()+" "+s.Name] = s
	}
	return out
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func eventAttr(attrs []attribute.KeyValue, key string) string {
	for _, a := range attrs {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func TestSpanNamesAndPropagation(t *testing.T) {
	p, exp := provider(t)
	cc := serve(t, p, &grpctest.Handler{Unary: func(_ context.Context, in string) (string, error) { return in, nil }})
	if _, err := grpctest.Unary(context.Background(), cc, "x"); err != nil {
		t.Fatal(err)
	}
	server := exp.wait(t, "server", unarySpan)
	client := exp.wait(t, "client", unarySpan)
	if server.SpanContext.TraceID() != client.SpanContext.TraceID() || server.Parent.SpanID() != client.SpanContext.SpanID() {
		t.Errorf("server span is not the client span's child: server %v parent %v, client %v", server.SpanContext, server.Parent, client.SpanContext)
	}
	if server.Status.Code != codes.Unset {
		t.Errorf("server status %v, want unset", server.Status)
	}
}

func TestHealthChecksNotTraced(t *testing.T) {
	p, exp := provider(t)
	cc := serve(t, p, &grpctest.Handler{Unary: func(_ context.Context, in string) (string, error) { return in, nil }})
	if _, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	// A traced call after it: once its server span has ended, the health
	// check's would have too.
	if _, err := grpctest.Unary(context.Background(), cc, "x"); err != nil {
		t.Fatal(err)
	}
	exp.wait(t, "server", unarySpan)
	exp.wait(t, "client", unarySpan)
	if n := len(exp.GetSpans()); n != 2 {
		t.Errorf("got %d spans, want only the two of the traced call: %v", n, spans(exp))
	}
}

func TestHealthChecksTracedWhenAsked(t *testing.T) {
	p, exp := provider(t)
	all := func(*stats.RPCTagInfo) bool { return true }
	cc := grpctest.ServeWith(t, func(s *grpc.Server) { healthpb.RegisterHealthServer(s, health.NewServer()) },
		grpctracing.ServerOptions(p, grpctracing.WithFilter(all)))
	if _, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	exp.wait(t, "server", "grpc.health.v1.Health/Check")
}

func TestErrorsOnTheServerSpan(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     codes.Code
		desc       string
		exceptions int
		excType    string
		field      string
	}{
		{"failing dependency", errorsx.Unavailable.Wrap(errors.New("connection refused"), "load order", "order_id", 42), codes.Error, "load order: connection refused", 1, "unavailable", "42"},
		{"not found is the client's", errorsx.NotFound.New("order 42 not found"), codes.Unset, "", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, exp := provider(t)
			cc := serve(t, p, &grpctest.Handler{Unary: func(context.Context, string) (string, error) { return "", tt.err }})
			_, _ = grpctest.Unary(context.Background(), cc, "x")
			server := exp.wait(t, "server", unarySpan)
			type view struct {
				Status     codes.Code
				Desc       string
				Exceptions int
				Type       string
				Field      string
			}
			got := view{server.Status.Code, server.Status.Description, 0, "", ""}
			for _, ev := range server.Events {
				if ev.Name == "exception" {
					got.Exceptions++
					got.Type = eventAttr(ev.Attributes, "exception.type")
					got.Field = eventAttr(ev.Attributes, "order_id")
				}
			}
			want := view{tt.status, tt.desc, tt.exceptions, tt.excType, tt.field}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("server span mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNilProvider(t *testing.T) {
	cc := grpctest.Serve(t, &grpctest.Handler{Unary: func(_ context.Context, in string) (string, error) { return in, nil }},
		grpctracing.ServerOptions(nil), grpctracing.DialOptions(nil)...)
	if out, err := grpctest.Unary(context.Background(), cc, "x"); err != nil || out != "x" {
		t.Errorf("Unary through nil providers = %q, %v", out, err)
	}
}

func TestDisabledAddsNothing(t *testing.T) {
	t.Setenv("OTEL_SDK_DISABLED", "true")
	p, err := tracing.Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	for _, tp := range []*tracing.Provider{nil, p} {
		if n, m := len(grpctracing.ServerOptions(tp)), len(grpctracing.DialOptions(tp)); n != 0 || m != 0 {
			t.Errorf("disabled tracing (%v) gives %d server and %d dial options, want none", tp, n, m)
		}
	}
}
