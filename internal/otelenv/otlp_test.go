package otelenv

import (
	"bytes"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
)

// TestOTLP: the endpoint and protocol rules. The cases are tracing's and
// metrics' resolve cases about the OTLP exporter.
func TestOTLP(t *testing.T) {
	t.Parallel()
	const (
		tracesEndpoint  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
		tracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
		tracesHeaders   = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
		metricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
		metricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
		unknownProto    = "http/protobuf (want http/protobuf or grpc)"
	)
	tests := []struct {
		name   string
		signal Signal
		vars   map[string]string
		opts   OTLPOptions
		want   Exporter
		warn   []Warning
	}{
		{
			name: "nothing set: http/protobuf to localhost", signal: Traces,
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://localhost:4318/v1/traces"},
		},
		{
			name: "nothing set, metrics", signal: Metrics,
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://localhost:4318/v1/metrics"},
		},
		{
			name: "endpoint alone: http/protobuf, the signal's path appended", signal: Traces,
			vars: map[string]string{EnvEndpoint: "http://collector:4318"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://collector:4318/v1/traces", EndpointFromEnv: true},
		},
		{
			name: "endpoint with a trailing slash", signal: Metrics,
			vars: map[string]string{EnvEndpoint: "http://collector:4318/"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://collector:4318/v1/metrics", EndpointFromEnv: true},
		},
		{
			name: "grpc endpoint is used as given", signal: Traces,
			vars: map[string]string{EnvEndpoint: "http://collector:4317", EnvProtocol: "grpc"},
			want: Exporter{Name: "otlp", Protocol: "grpc", Endpoint: "http://collector:4317", EndpointFromEnv: true},
		},
		{
			name: "the signal's endpoint and protocol win over the generic ones", signal: Traces,
			vars: map[string]string{
				EnvEndpoint: "http://generic:4318", tracesEndpoint: "http://traces:9999/custom",
				EnvProtocol: "http/protobuf", tracesProtocol: "grpc",
			},
			want: Exporter{Name: "otlp", Protocol: "grpc", Endpoint: "http://traces:9999/custom", EndpointFromEnv: true},
		},
		{
			name: "the metrics endpoint wins over the generic one, used as is", signal: Metrics,
			vars: map[string]string{EnvEndpoint: "http://a:4318", metricsEndpoint: "http://b:9999/m"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://b:9999/m", EndpointFromEnv: true},
		},
		{
			name: "grpc from the metrics protocol over the generic one, any case", signal: Metrics,
			vars: map[string]string{EnvProtocol: "http/protobuf", metricsProtocol: "GRPC", EnvEndpoint: "http://c:4317"},
			want: Exporter{Name: "otlp", Protocol: "grpc", Endpoint: "http://c:4317", EndpointFromEnv: true},
		},
		{
			name: "grpc default endpoint", signal: Metrics,
			vars: map[string]string{EnvProtocol: "grpc"},
			want: Exporter{Name: "otlp", Protocol: "grpc", Endpoint: "http://localhost:4317"},
		},
		{
			name: "endpoint option", signal: Traces,
			opts: OTLPOptions{Endpoint: "http://opt:4318/"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://opt:4318/v1/traces"},
		},
		{
			name: "protocol option, default endpoint", signal: Traces,
			opts: OTLPOptions{Protocol: "grpc"},
			want: Exporter{Name: "otlp", Protocol: "grpc", Endpoint: "http://localhost:4317"},
		},
		{
			name: "environment wins over the endpoint, protocol and header options", signal: Traces,
			vars: map[string]string{EnvEndpoint: "http://env:4317", EnvProtocol: "grpc", EnvHeaders: "api-key=x"},
			opts: OTLPOptions{Endpoint: "http://opt:4318", Protocol: "http/protobuf"},
			want: Exporter{Name: "otlp", Protocol: "grpc", Endpoint: "http://env:4317", EndpointFromEnv: true, HeadersFromEnv: true},
		},
		{
			name: "the signal's headers variable", signal: Traces,
			vars: map[string]string{tracesHeaders: "api-key=x"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://localhost:4318/v1/traces", HeadersFromEnv: true},
		},
		{
			name: "unknown protocol: warned, http/protobuf", signal: Traces,
			vars: map[string]string{EnvEndpoint: "http://c", EnvProtocol: "http/json"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://c/v1/traces", EndpointFromEnv: true},
			warn: []Warning{{EnvProtocol, "http/json", unknownProto}},
		},
		{
			name: "unknown metrics protocol: warned naming that variable", signal: Metrics,
			vars: map[string]string{metricsProtocol: "http/json"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://localhost:4318/v1/metrics"},
			warn: []Warning{{metricsProtocol, "http/json", unknownProto}},
		},
		{
			name: "a variable's unknown protocol is warned about even with a valid option", signal: Traces,
			vars: map[string]string{EnvProtocol: " "},
			opts: OTLPOptions{Protocol: "grpc"},
			want: Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://localhost:4318/v1/traces"},
			warn: []Warning{{EnvProtocol, " ", unknownProto}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := fakeEnv(tt.signal, tt.vars)
			got, err := e.OTLP(tt.opts)
			if err != nil {
				t.Fatalf("OTLP: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("exporter mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warn, e.Warnings); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
			if set := got.EndpointFromEnv; e.EndpointSet() != set {
				t.Errorf("EndpointSet() = %t, but the exporter's EndpointFromEnv = %t", !set, set)
			}
		})
	}
}

// TestOTLPRejectsBadOptions: an option is the program's mistake: an
// errorsx InvalidArgument error naming the option and the value.
func TestOTLPRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts OTLPOptions
		msg  string
		want []errorsx.Field
	}{
		{"endpoint without a scheme", OTLPOptions{Endpoint: "collector:4317"},
			"tracing: the endpoint must be an http:// or https:// URL",
			[]errorsx.Field{{Key: "option", Value: "WithEndpoint"}, {Key: "value", Value: "collector:4317"}}},
		{"endpoint without a host", OTLPOptions{Endpoint: "http:///v1"},
			"tracing: the endpoint must be an http:// or https:// URL",
			[]errorsx.Field{{Key: "option", Value: "WithEndpoint"}, {Key: "value", Value: "http:///v1"}}},
		{"unknown protocol", OTLPOptions{Endpoint: "http://c", Protocol: "http/json"},
			"tracing: unknown OTLP protocol (want http/protobuf or grpc)",
			[]errorsx.Field{{Key: "option", Value: "WithProtocol"}, {Key: "value", Value: "http/json"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &Env{Signal: Traces, Package: "tracing", Getenv: func(string) string { return "" }}
			_, err := e.OTLP(tt.opts)
			if err == nil {
				t.Fatal("OTLP succeeded; want an error")
			}
			if got := errorsx.CodeOf(err); got != errorsx.InvalidArgument {
				t.Errorf("code = %v, want invalid_argument", got)
			}
			if diff := cmp.Diff(tt.msg, err.Error()); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, errorsx.FieldsOf(err)); diff != "" {
				t.Errorf("error fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The endpoint is logged; a credential in it must not be.
func TestDescribeRedactsCredentials(t *testing.T) {
	t.Parallel()
	got := []string{
		Exporter{Name: "otlp", Protocol: "grpc", Endpoint: "https://user:s3cret@collector:4317"}.Describe(),
		Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "https://collector/v1/metrics?api_key=s3cret"}.Describe(),
		Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://collector:4318/v1/metrics"}.Describe(),
		Exporter{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://[::1"}.Describe(),
		Exporter{Name: "console"}.Describe(),
	}
	want := []string{
		"otlp grpc https://REDACTED@collector:4317",
		"otlp http/protobuf https://collector/v1/metrics?REDACTED",
		"otlp http/protobuf http://collector:4318/v1/metrics",
		"otlp http/protobuf (not a URL)",
		"console",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("described exporters mismatch (-want +got):\n%s", diff)
	}
}

func TestExporterOptions(t *testing.T) {
	t.Parallel()
	// The options are recorded as strings, standing for an exporter
	// package's WithEndpointURL and WithHeaders.
	url := func(u string) string { return "url " + u }
	hdr := func(h map[string]string) string { return "headers " + h["Api-Key"] }
	key := map[string]string{"Api-Key": "opt"}
	tests := []struct {
		name    string
		x       Exporter
		headers map[string]string
		want    []string
	}{
		{"option endpoint and headers", Exporter{Endpoint: "http://c/v1/traces"}, key, []string{"url http://c/v1/traces", "headers opt"}},
		{"no headers", Exporter{Endpoint: "http://c/v1/traces"}, nil, []string{"url http://c/v1/traces"}},
		{"both from the environment: the exporter reads them",
			Exporter{Endpoint: "http://c/v1/traces", EndpointFromEnv: true, HeadersFromEnv: true}, key, nil},
		{"headers from the environment win", Exporter{Endpoint: "http://c", HeadersFromEnv: true}, key, []string{"url http://c"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ExporterOptions(tt.x, tt.headers, url, hdr)); diff != "" {
			t.Errorf("%s: options mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestConsoleWriter(t *testing.T) {
	t.Parallel()
	if got := ConsoleWriter(nil); got != os.Stdout {
		t.Errorf("ConsoleWriter(nil) = %v, want os.Stdout", got)
	}
	var buf bytes.Buffer
	if got := ConsoleWriter(&buf); got != &buf {
		t.Errorf("ConsoleWriter(&buf) = %v, want the buffer", got)
	}
}
