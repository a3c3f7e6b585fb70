package tracing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/supportkit/supportkit/errorsx"
)

const defaultSampler = "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"

var defaultPropagators = []string{"tracecontext", "baggage"}

// base returns the plan for an empty environment and no options, changed
// by edit.
func base(edit func(*plan)) plan {
	p := plan{
		ExporterSource: sourceDefault,
		Sampler:        defaultSampler,
		SamplerSource:  sourceDefault,
		Propagators:    defaultPropagators,
	}
	if edit != nil {
		edit(&p)
	}
	return p
}

func TestResolveEnvironmentMatrix(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
		want plan
	}{
		{
			name: "nothing configured: no exporter",
			want: base(nil),
		},
		{
			name: "endpoint alone means otlp over http/protobuf",
			env:  map[string]string{envEndpoint: "http://collector:4318"},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEndpointOnly
				p.Exporters = []exporterPlan{{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://collector:4318/v1/traces", EndpointFromEnv: true}}
			}),
		},
		{
			name: "grpc endpoint is used as given",
			env:  map[string]string{envEndpoint: "http://collector:4317", envProtocol: "grpc"},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEndpointOnly
				p.Exporters = []exporterPlan{{Name: "otlp", Protocol: "grpc", Endpoint: "http://collector:4317", EndpointFromEnv: true}}
			}),
		},
		{
			name: "traces endpoint and protocol win over the generic ones",
			env: map[string]string{
				envEndpoint: "http://generic:4318", envTracesEndpoint: "http://traces:9999/custom",
				envProtocol: "http/protobuf", envTracesProtocol: "grpc",
			},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEndpointOnly
				p.Exporters = []exporterPlan{{Name: "otlp", Protocol: "grpc", Endpoint: "http://traces:9999/custom", EndpointFromEnv: true}}
			}),
		},
		{
			name: "endpoint option alone means otlp",
			opts: []Option{WithEndpoint("http://opt:4318/")},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEndpointOnly
				p.Exporters = []exporterPlan{{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://opt:4318/v1/traces"}}
			}),
		},
		{
			name: "environment wins over the endpoint, protocol and header options",
			env:  map[string]string{envEndpoint: "http://env:4317", envProtocol: "grpc", envHeaders: "api-key=x"},
			opts: []Option{WithEndpoint("http://opt:4318"), WithProtocol("http/protobuf"), WithHeaders(map[string]string{"api-key": "y"})},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEndpointOnly
				p.Exporters = []exporterPlan{{Name: "otlp", Protocol: "grpc", Endpoint: "http://env:4317", EndpointFromEnv: true, HeadersFromEnv: true}}
			}),
		},
		{
			name: "otlp named without an endpoint goes to the default one",
			env:  map[string]string{envExporter: "otlp"},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEnv
				p.Exporters = []exporterPlan{{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://localhost:4318/v1/traces"}}
			}),
		},
		{
			name: "otlp over grpc named without an endpoint",
			env:  map[string]string{envExporter: "otlp"},
			opts: []Option{WithProtocol("grpc")},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEnv
				p.Exporters = []exporterPlan{{Name: "otlp", Protocol: "grpc", Endpoint: "http://localhost:4317"}}
			}),
		},
		{
			name: "console",
			env:  map[string]string{envExporter: "console"},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEnv
				p.Exporters = []exporterPlan{{Name: "console"}}
			}),
		},
		{
			name: "a list, with spaces, case and duplicates",
			env:  map[string]string{envExporter: " OTLP, console ,otlp", envEndpoint: "http://c:4318"},
			want: base(func(p *plan) {
				p.ExporterSource = sourceEnv
				p.Exporters = []exporterPlan{
					{Name: "otlp", Protocol: "http/protobuf", Endpoint: "http://c:4318/v1/traces", EndpointFromEnv: true},
					{Name: "console"},
				}
			}),
		},
		{
			name: "none wins over an endpoint",
			env:  map[string]string{envExporter: "none", envEndpoint: "http://c:4318"},
			want: base(func(p *plan) { p.ExporterSource = sourceEnv }),
		},
		{
			name: "exporter variable wins over the option",
			env:  map[string]string{envExporter: "none"},
			opts: []Option{WithExporter("console")},
			want: base(func(p *plan) { p.ExporterSource = sourceEnv }),
		},
		{
			name: "exporter option",
			opts: []Option{WithExporter("console")},
			want: base(func(p *plan) {
				p.ExporterSource = sourceOption
				p.Exporters = []exporterPlan{{Name: "console"}}
			}),
		},
		{
			name: "disabled by the environment",
			env:  map[string]string{envDisabled: "TRUE"},
			want: base(func(p *plan) { p.Disabled = true }),
		},
		{
			name: "disabled by option",
			opts: []Option{WithDisabled(true)},
			want: base(func(p *plan) { p.Disabled = true }),
		},
		{
			name: "environment re-enables what the option disabled",
			env:  map[string]string{envDisabled: "false"},
			opts: []Option{WithDisabled(true)},
			want: base(nil),
		},
		{
			name: "sampler always_off",
			env:  map[string]string{envSampler: "always_off"},
			want: base(func(p *plan) { p.Sampler, p.SamplerSource = "AlwaysOffSampler", sourceEnv }),
		},
		{
			name: "sampler traceidratio with argument",
			env:  map[string]string{envSampler: "traceidratio", envSamplerArg: "0.25"},
			want: base(func(p *plan) { p.Sampler, p.SamplerSource = "TraceIDRatioBased{0.25}", sourceEnv }),
		},
		{
			name: "sampler traceidratio without argument samples everything",
			env:  map[string]string{envSampler: "traceidratio"},
			want: base(func(p *plan) { p.Sampler, p.SamplerSource = "TraceIDRatioBased{1}", sourceEnv }),
		},
		{
			name: "sampler parentbased_traceidratio",
			env:  map[string]string{envSampler: "parentbased_traceidratio", envSamplerArg: "0.5"},
			want: base(func(p *plan) {
				p.Sampler = sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.5)).Description()
				p.SamplerSource = sourceEnv
			}),
		},
		{
			name: "sampler option",
			opts: []Option{WithSampler(sdktrace.NeverSample())},
			want: base(func(p *plan) { p.Sampler, p.SamplerSource = "AlwaysOffSampler", sourceOption }),
		},
		{
			name: "sampler variable wins over the option",
			env:  map[string]string{envSampler: "always_on"},
			opts: []Option{WithSampler(sdktrace.NeverSample())},
			want: base(func(p *plan) { p.Sampler, p.SamplerSource = "AlwaysOnSampler", sourceEnv }),
		},
		{
			name: "propagators from the environment",
			env:  map[string]string{envPropagators: "b3, tracecontext"},
			want: base(func(p *plan) { p.Propagators = []string{"b3", "tracecontext"} }),
		},
		{
			name: "propagators option",
			opts: []Option{WithPropagators("jaeger")},
			want: base(func(p *plan) { p.Propagators = []string{"jaeger"} }),
		},
		{
			name: "propagators none",
			env:  map[string]string{envPropagators: "none"},
			opts: []Option{WithPropagators("b3")},
			want: base(func(p *plan) { p.Propagators = []string{"none"} }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			o := &options{}
			for _, opt := range tt.opts {
				opt(o)
			}
			got, err := resolve(o)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(plan{})); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveRejectsBadValues(t *testing.T) {
	// A program's own mistake (an option) stops Setup, naming the option.
	tests := []struct {
		name string
		opts *options
		want []any // fields of the error
	}{
		{"endpoint option without a scheme", &options{endpoint: "collector:4317"}, []any{"option", "WithEndpoint", "value", "collector:4317"}},
		{"unknown exporter option", &options{exporters: []string{"zipkin"}}, []any{"option", "WithExporter", "value", "zipkin"}},
		{"unknown protocol option", &options{endpoint: "http://c", protocol: "http/json"}, []any{"option", "WithProtocol", "value", "http/json"}},
		{"unknown propagator option", &options{propagators: []string{"carrier-pigeon"}}, []any{"option", "WithPropagators", "value", "carrier-pigeon"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, nil)
			_, err := resolve(tt.opts)
			if err == nil {
				t.Fatal("resolve succeeded; want an error")
			}
			if got := errorsx.CodeOf(err); got != errorsx.InvalidArgument {
				t.Errorf("code = %v; want invalid_argument", got)
			}
			var got []any
			for _, f := range errorsx.FieldsOf(err) {
				got = append(got, f.Key, f.Value)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("Setup installs nothing after an error", func(t *testing.T) {
		clearEnv(t, nil)
		prevTP := otel.GetTracerProvider()
		prov, err := Setup(t.Context(), WithEndpoint("collector:4317"))
		if err == nil {
			t.Error("Setup succeeded; want an error")
		}
		if prov != nil {
			t.Errorf("Setup returned %+v with its error; want nil", prov)
		}
		if otel.GetTracerProvider() != prevTP {
			t.Errorf("the global tracer provider changed to %T after a failed Setup", otel.GetTracerProvider())
		}
		if err := prov.Shutdown(t.Context()); err != nil {
			t.Errorf("Shutdown of the nil Provider of a failed Setup: %v", err)
		}
	})
}

// TestResolveWarnsAboutBadEnvironment: as the specification says, an
// OTEL_* value that is not valid is warned about, naming the variable and
// the value, and the default applies; the service starts.
func TestResolveWarnsAboutBadEnvironment(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		want  []warning
		check func(t *testing.T, p plan)
	}{
		{"unknown sampler", map[string]string{envSampler: "sometimes"},
			[]warning{{envSampler, "sometimes", defaultSampler + " (unknown sampler)"}},
			func(t *testing.T, p plan) {
				if p.SamplerSource != sourceDefault {
					t.Errorf("sampler from %s, want the default", p.SamplerSource)
				}
			}},
		{"ratio out of range", map[string]string{envSampler: "traceidratio", envSamplerArg: "2"},
			[]warning{{envSamplerArg, "2", "1.0 (the argument must be a number from 0 to 1)"}},
			func(t *testing.T, p plan) {
				if p.Sampler != "TraceIDRatioBased{1}" {
					t.Errorf("sampler %s, want the ratio 1", p.Sampler)
				}
			}},
		{"ratio not a number", map[string]string{envSampler: "parentbased_traceidratio", envSamplerArg: "half"},
			[]warning{{envSamplerArg, "half", "1.0 (the argument must be a number from 0 to 1)"}}, nil},
		{"unknown exporter", map[string]string{envExporter: "zipkin,console"},
			[]warning{{envExporter, "zipkin", "the other exporters named (want otlp, console or none)"}},
			func(t *testing.T, p plan) {
				if len(p.Exporters) != 1 || p.Exporters[0].Name != exporterConsole {
					t.Errorf("exporters %+v, want console only", p.Exporters)
				}
			}},
		{"unknown protocol", map[string]string{envEndpoint: "http://c", envProtocol: "http/json"},
			[]warning{{envProtocol, "http/json", "http/protobuf (want http/protobuf or grpc)"}},
			func(t *testing.T, p plan) {
				if p.Exporters[0].Protocol != protocolHTTP {
					t.Errorf("protocol %s, want http/protobuf", p.Exporters[0].Protocol)
				}
			}},
		{"unknown propagator", map[string]string{envPropagators: "tracecontext,carrier-pigeon"},
			[]warning{{envPropagators, "carrier-pigeon", "the other propagators named (unknown propagator)"}},
			func(t *testing.T, p plan) {
				if diff := cmp.Diff([]string{"tracecontext"}, p.Propagators); diff != "" {
					t.Errorf("propagators (-want +got):\n%s", diff)
				}
			}},
		{"OTEL_SDK_DISABLED=yes is not true", map[string]string{envDisabled: "yes"},
			[]warning{{envDisabled, "yes", "false (not a boolean: true or false)"}},
			func(t *testing.T, p plan) {
				if p.Disabled {
					t.Error("disabled by a value that is not true")
				}
			}},
		{"OTEL_SDK_DISABLED=TRUE", map[string]string{envDisabled: "TRUE"}, nil,
			func(t *testing.T, p plan) {
				if !p.Disabled {
					t.Error("not disabled by TRUE")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			p, err := resolve(&options{})
			if err != nil {
				t.Fatalf("resolve = %v; want warnings, not an error", err)
			}
			if diff := cmp.Diff(tt.want, p.Warnings); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

// TestSetupWarnsOnceAndStarts: a typo in an OTEL_* variable is one warning
// naming the variable and the value; Setup succeeds.
func TestSetupWarnsOnceAndStarts(t *testing.T) {
	clearEnv(t, map[string]string{envSampler: "sometimes", envDisabled: "true"})
	obs, logs := observer.New(zap.WarnLevel)
	prov, err := Setup(t.Context(), WithLogger(zap.New(obs)))
	if err != nil {
		t.Fatalf("Setup = %v, want it to start with the default", err)
	}
	defer func() { _ = prov.Shutdown(t.Context()) }()
	lines := logs.All()
	if len(lines) != 1 || lines[0].ContextMap()["variable"] != envSampler || lines[0].ContextMap()["value"] != "sometimes" {
		t.Errorf("warnings %v, want one naming %s=sometimes", lines, envSampler)
	}
}
