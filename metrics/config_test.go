package metrics

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/supportkit/supportkit/errorsx"
)

func TestResolve(t *testing.T) {
	otlpHTTP := exporterPlan{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://localhost:4318/v1/metrics"}
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
		want plan
	}{
		{
			name: "nothing configured: the Prometheus reader only, no push, no warning",
			want: plan{Prometheus: true, ExporterSource: "default", Interval: time.Minute},
		},
		{
			name: "disabled",
			env:  map[string]string{envDisabled: "TRUE", envExporter: "otlp"},
			want: plan{Off: true, OffReason: "OTEL_SDK_DISABLED=true", ExporterSource: "env", Interval: time.Minute},
		},
		{
			name: "disabled false",
			env:  map[string]string{envDisabled: "false"},
			want: plan{Prometheus: true, ExporterSource: "default", Interval: time.Minute},
		},
		{
			name: "disabled not a boolean: warned, not disabled",
			env:  map[string]string{envDisabled: "yes"},
			want: plan{Prometheus: true, ExporterSource: "default", Interval: time.Minute,
				Warnings: []warning{{envDisabled, "yes", "false (not a boolean: true or false)"}}},
		},
		{
			name: "none: off",
			env:  map[string]string{envExporter: "none"},
			want: plan{Off: true, OffReason: "OTEL_METRICS_EXPORTER=none", ExporterSource: "env", Interval: time.Minute},
		},
		{
			name: "none wins over WithPrometheus",
			env:  map[string]string{envExporter: "none"},
			opts: []Option{WithPrometheus()},
			want: plan{Off: true, OffReason: "OTEL_METRICS_EXPORTER=none", ExporterSource: "env", Interval: time.Minute},
		},
		{
			name: "none with a reader of the program's own: on, no exporter",
			env:  map[string]string{envExporter: "none"},
			opts: []Option{WithReader(sdkmetric.NewManualReader())},
			want: plan{ExporterSource: "env", Interval: time.Minute},
		},
		{
			name: "otlp only: no Prometheus reader",
			env:  map[string]string{envExporter: "otlp"},
			want: plan{Push: []exporterPlan{otlpHTTP}, ExporterSource: "env", Interval: time.Minute},
		},
		{
			name: "otlp only, WithPrometheus: both",
			env:  map[string]string{envExporter: "otlp"},
			opts: []Option{WithPrometheus()},
			want: plan{Prometheus: true, Push: []exporterPlan{otlpHTTP}, ExporterSource: "env", Interval: time.Minute},
		},
		{
			name: "list with duplicates, case and spaces",
			env:  map[string]string{envExporter: " Prometheus , console,prometheus"},
			want: plan{Prometheus: true, Push: []exporterPlan{{Name: "console"}}, ExporterSource: "env", Interval: time.Minute},
		},
		{
			name: "unknown exporter beside a known one: warned and skipped",
			env:  map[string]string{envExporter: "zipkin,prometheus"},
			want: plan{Prometheus: true, ExporterSource: "env", Interval: time.Minute,
				Warnings: []warning{{envExporter, "zipkin", "the other exporters named (want otlp, prometheus, console or none)"}}},
		},
		{
			name: "only unknown exporters: warned, the default applies",
			env:  map[string]string{envExporter: "otpl"},
			want: plan{Prometheus: true, ExporterSource: "default", Interval: time.Minute,
				Warnings: []warning{{envExporter, "otpl", "the other exporters named (want otlp, prometheus, console or none)"}}},
		},
		{
			name: "an endpoint alone: otlp to it, and the Prometheus reader",
			env:  map[string]string{envEndpoint: "http://collector:4318/"},
			want: plan{Prometheus: true, ExporterSource: "endpoint configured", Interval: time.Minute,
				Push: []exporterPlan{{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://collector:4318/v1/metrics", EndpointFromEnv: true}}},
		},
		{
			name: "the metrics endpoint wins over the generic one, used as is",
			env:  map[string]string{envExporter: "otlp", envEndpoint: "http://a:4318", envMetricsEndpoint: "http://b:9999/m"},
			want: plan{ExporterSource: "env", Interval: time.Minute,
				Push: []exporterPlan{{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://b:9999/m", EndpointFromEnv: true}}},
		},
		{
			name: "grpc from the metrics protocol over the generic one",
			env:  map[string]string{envExporter: "otlp", envProtocol: "http/protobuf", envMetricsProtocol: "GRPC", envEndpoint: "http://c:4317"},
			want: plan{ExporterSource: "env", Interval: time.Minute,
				Push: []exporterPlan{{Name: "otlp", Protocol: "grpc", Endpoint: "http://c:4317", EndpointFromEnv: true}}},
		},
		{
			name: "grpc default endpoint",
			env:  map[string]string{envExporter: "otlp", envProtocol: "grpc"},
			want: plan{ExporterSource: "env", Interval: time.Minute,
				Push: []exporterPlan{{Name: "otlp", Protocol: "grpc", Endpoint: "http://localhost:4317"}}},
		},
		{
			name: "unknown protocol: warned, http/protobuf",
			env:  map[string]string{envExporter: "otlp", envMetricsProtocol: "http/json"},
			want: plan{ExporterSource: "env", Interval: time.Minute, Push: []exporterPlan{otlpHTTP},
				Warnings: []warning{{envMetricsProtocol, "http/json", "http/protobuf (want http/protobuf or grpc)"}}},
		},
		{
			name: "interval from the environment wins over the option",
			env:  map[string]string{envInterval: "1500"},
			opts: []Option{WithExportInterval(time.Hour)},
			want: plan{Prometheus: true, ExporterSource: "default", Interval: 1500 * time.Millisecond},
		},
		{
			name: "interval option",
			opts: []Option{WithExportInterval(10 * time.Second)},
			want: plan{Prometheus: true, ExporterSource: "default", Interval: 10 * time.Second},
		},
		{
			name: "interval not a number: warned, default",
			env:  map[string]string{envInterval: "5s"},
			want: plan{Prometheus: true, ExporterSource: "default", Interval: time.Minute,
				Warnings: []warning{{envInterval, "5s", "60000 (milliseconds, a positive integer)"}}},
		},
		{
			name: "interval zero: warned, default",
			env:  map[string]string{envInterval: "0"},
			want: plan{Prometheus: true, ExporterSource: "default", Interval: time.Minute,
				Warnings: []warning{{envInterval, "0", "60000 (milliseconds, a positive integer)"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			o := &options{}
			for _, opt := range tt.opts {
				opt(o)
			}
			got, err := resolve(o)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveRejectsANegativeInterval(t *testing.T) {
	clearEnv(t)
	o := &options{}
	WithExportInterval(-time.Second)(o)
	_, err := resolve(o)
	want := []errorsx.Field{{Key: "option", Value: "WithExportInterval"}, {Key: "value", Value: "-1s"}}
	if diff := cmp.Diff(want, errorsx.FieldsOf(err)); diff != "" {
		t.Errorf("error fields mismatch (-want +got):\n%s", diff)
	}
	if got := errorsx.CodeOf(err); got != errorsx.InvalidArgument {
		t.Errorf("code = %v, want invalid_argument", got)
	}
}

// The endpoint is logged; a credential in it must not be.
func TestDescribeRedactsCredentials(t *testing.T) {
	got := []string{
		exporterPlan{Name: "otlp", Protocol: "grpc", Endpoint: "https://user:s3cret@collector:4317"}.describe(),
		exporterPlan{Name: "otlp", Protocol: "http/protobuf", Endpoint: "https://collector/v1/metrics?api_key=s3cret"}.describe(),
		exporterPlan{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://collector:4318/v1/metrics"}.describe(),
		exporterPlan{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://[::1"}.describe(),
	}
	want := []string{
		"otlp grpc https://REDACTED@collector:4317",
		"otlp http/protobuf https://collector/v1/metrics?REDACTED",
		"otlp http/protobuf http://collector:4318/v1/metrics",
		"otlp http/protobuf (not a URL)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("described exporters mismatch (-want +got):\n%s", diff)
	}
}
