// Command otlp-receiver is the OTLP receiver the tracing end-to-end tests
// send spans to: the OpenTelemetry Collector's own otlpreceiver component
// (OTLP/gRPC and OTLP/HTTP), with a consumer that appends every batch it
// receives to a file as one line of OTLP JSON (the format of the
// collector's file exporter). It is a module of its own so that the
// collector's dependencies never enter supportkit's go.mod;
// .ci/setup.d/otlp-receiver.sh builds it.
//
//	otlp-receiver -grpc 127.0.0.1:4317 -http 127.0.0.1:4318 -out spans.jsonl [-metrics-out metrics.jsonl]
//
// It prints "ready" on standard output once both listeners are up and
// stops on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "otlp-receiver:", err)
		os.Exit(1)
	}
}

type host struct{}

func (host) GetExtensions() map[component.ID]component.Component { return nil }

func run() error {
	grpcAddr := flag.String("grpc", "127.0.0.1:4317", "OTLP/gRPC listen address")
	httpAddr := flag.String("http", "127.0.0.1:4318", "OTLP/HTTP listen address")
	out := flag.String("out", "spans.jsonl", "file to append received spans to, one OTLP JSON batch per line")
	metricsOut := flag.String("metrics-out", "", "file to append received metrics to, one OTLP JSON batch per line (default: the spans file's name with .metrics.jsonl)")
	flag.Parse()
	if *metricsOut == "" {
		*metricsOut = strings.TrimSuffix(*out, ".jsonl") + ".metrics.jsonl"
	}

	f, err := os.OpenFile(*out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()

	var mu sync.Mutex
	marshaler := &ptrace.JSONMarshaler{}
	next, err := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		b, err := marshaler.MarshalTraces(td)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = f.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		return err
	}
	mf, err := os.OpenFile(*metricsOut, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer mf.Close()
	metricsMarshaler := &pmetric.JSONMarshaler{}
	nextMetrics, err := consumer.NewMetrics(func(_ context.Context, md pmetric.Metrics) error {
		b, err := metricsMarshaler.MarshalMetrics(md)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = mf.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		return err
	}

	log, err := zap.NewDevelopment()
	if err != nil {
		return err
	}
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*otlpreceiver.Config)
	cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = *grpcAddr
	cfg.Protocols.HTTP.GetOrInsertDefault().ServerConfig.NetAddr.Endpoint = *httpAddr
	set := receiver.Settings{
		ID:        component.NewID(factory.Type()),
		BuildInfo: component.NewDefaultBuildInfo(),
		TelemetrySettings: component.TelemetrySettings{
			Logger:         log,
			TracerProvider: tracenoop.NewTracerProvider(),
			MeterProvider:  metricnoop.NewMeterProvider(),
		},
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// The traces and metrics receivers of one configuration are one
	// shared receiver: started and stopped once.
	r, err := factory.CreateTraces(ctx, set, cfg, next)
	if err != nil {
		return err
	}
	rm, err := factory.CreateMetrics(ctx, set, cfg, nextMetrics)
	if err != nil {
		return err
	}
	if err := r.Start(ctx, host{}); err != nil {
		return err
	}
	if err := rm.Start(ctx, host{}); err != nil {
		return err
	}
	fmt.Println("ready")
	<-ctx.Done()
	return errors.Join(r.Shutdown(context.Background()), rm.Shutdown(context.Background()))
}
