package tracing

import (
	"net/url"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/supportkit/supportkit/errorsx"
)

// The standard variables Setup reads. The OTLP exporters and the batch span
// processor read their own (OTEL_EXPORTER_OTLP_TIMEOUT, _COMPRESSION,
// _CERTIFICATE, _INSECURE, OTEL_BSP_*) when Setup creates them.
const (
	envDisabled        = "OTEL_SDK_DISABLED"
	envExporter        = "OTEL_TRACES_EXPORTER"
	envEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesEndpoint  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envHeaders         = "OTEL_EXPORTER_OTLP_HEADERS"
	envTracesHeaders   = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	envSampler         = "OTEL_TRACES_SAMPLER"
	envSamplerArg      = "OTEL_TRACES_SAMPLER_ARG"
	envPropagators     = "OTEL_PROPAGATORS"
	protocolHTTP       = "http/protobuf"
	protocolGRPC       = "grpc"
	defaultHTTPTraces  = "http://localhost:4318/v1/traces"
	defaultGRPCTraces  = "http://localhost:4317"
	httpTracesURLPath  = "/v1/traces"
	exporterOTLP       = "otlp"
	exporterConsole    = "console"
	exporterNone       = "none"
	sourceEnv          = "env"
	sourceOption       = "option"
	sourceDefault      = "default"
	sourceEndpointOnly = "endpoint configured"
)

// plan is the effective configuration: what Setup will build, resolved
// from the options and the environment, before anything is created.
type plan struct {
	Disabled       bool
	Exporters      []exporterPlan
	ExporterSource string
	Sampler        string
	SamplerSource  string
	Propagators    []string

	sampler    sdktrace.Sampler
	propagator propagation.TextMapPropagator
}

// exporterPlan describes one exporter.
type exporterPlan struct {
	Name     string
	Protocol string // otlp only
	Endpoint string // otlp only: the URL spans are sent to
	// EndpointFromEnv and HeadersFromEnv say that the exporter reads them
	// from the environment itself; otherwise Setup passes the options.
	EndpointFromEnv bool
	HeadersFromEnv  bool
}

// resolve computes the plan. It is the only place that reads the
// environment, with Setup's resource detection and the exporters'
// constructors.
func resolve(o *options) (plan, error) {
	var p plan
	p.Disabled = o.disabled
	if v := strings.TrimSpace(os.Getenv(envDisabled)); v != "" {
		p.Disabled = strings.EqualFold(v, "true")
	}

	var err error
	if p.sampler, p.SamplerSource, err = resolveSampler(o); err != nil {
		return p, err
	}
	p.Sampler = p.sampler.Description()

	if p.propagator, p.Propagators, err = resolvePropagators(o); err != nil {
		return p, err
	}

	if p.Exporters, p.ExporterSource, err = resolveExporters(o); err != nil {
		return p, err
	}
	return p, nil
}

func resolveSampler(o *options) (sdktrace.Sampler, string, error) {
	name := strings.ToLower(strings.TrimSpace(os.Getenv(envSampler)))
	if name == "" {
		if o.sampler != nil {
			return o.sampler, sourceOption, nil
		}
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), sourceDefault, nil
	}
	arg := strings.TrimSpace(os.Getenv(envSamplerArg))
	ratio := func() (sdktrace.Sampler, error) {
		if arg == "" {
			return sdktrace.TraceIDRatioBased(1), nil
		}
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f < 0 || f > 1 {
			return nil, errorsx.InvalidArgument.New("tracing: the sampler argument must be a number from 0 to 1",
				"variable", envSamplerArg, "value", arg)
		}
		return sdktrace.TraceIDRatioBased(f), nil
	}
	var s sdktrace.Sampler
	var err error
	switch name {
	case "always_on":
		s = sdktrace.AlwaysSample()
	case "always_off":
		s = sdktrace.NeverSample()
	case "traceidratio":
		s, err = ratio()
	case "parentbased_always_on":
		s = sdktrace.ParentBased(sdktrace.AlwaysSample())
	case "parentbased_always_off":
		s = sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		if s, err = ratio(); err == nil {
			s = sdktrace.ParentBased(s)
		}
	default:
		err = errorsx.InvalidArgument.New("tracing: unknown sampler", "variable", envSampler, "value", name)
	}
	return s, sourceEnv, err
}

func resolvePropagators(o *options) (propagation.TextMapPropagator, []string, error) {
	names := splitList(os.Getenv(envPropagators))
	variable := envPropagators
	if len(names) == 0 {
		names = o.propagators
		variable = "WithPropagators"
	}
	if len(names) == 0 {
		names = []string{"tracecontext", "baggage"}
	}
	for _, n := range names {
		if n == "none" {
			return propagation.NewCompositeTextMapPropagator(), []string{"none"}, nil
		}
	}
	p, err := autoprop.TextMapPropagator(names...)
	if err != nil {
		return nil, nil, errorsx.InvalidArgument.Wrap(err, "tracing: unknown propagator",
			"variable", variable, "value", strings.Join(names, ","))
	}
	return p, names, nil
}

func resolveExporters(o *options) ([]exporterPlan, string, error) {
	names, source := splitList(os.Getenv(envExporter)), sourceEnv
	if len(names) == 0 {
		names, source = o.exporters, sourceOption
	}
	envEndpointSet := os.Getenv(envTracesEndpoint) != "" || os.Getenv(envEndpoint) != ""
	if len(names) == 0 {
		// The specification's default is otlp, which would send to
		// localhost and log a refused connection on every export when
		// nothing listens there. Export only when told where to.
		if !envEndpointSet && o.endpoint == "" {
			return nil, sourceDefault, nil
		}
		names, source = []string{exporterOTLP}, sourceEndpointOnly
	}
	var out []exporterPlan
	seen := map[string]bool{}
	for _, n := range names {
		if n == exporterNone || seen[n] {
			continue
		}
		seen[n] = true
		switch n {
		case exporterConsole:
			out = append(out, exporterPlan{Name: n})
		case exporterOTLP:
			e, err := resolveOTLP(o)
			if err != nil {
				return nil, source, err
			}
			out = append(out, e)
		default:
			return nil, source, errorsx.InvalidArgument.New("tracing: unknown exporter (want otlp, console or none)",
				"variable", envExporter, "value", n)
		}
	}
	return out, source, nil
}

func resolveOTLP(o *options) (exporterPlan, error) {
	e := exporterPlan{Name: exporterOTLP, Protocol: protocolHTTP}
	switch {
	case os.Getenv(envTracesProtocol) != "":
		e.Protocol = os.Getenv(envTracesProtocol)
	case os.Getenv(envProtocol) != "":
		e.Protocol = os.Getenv(envProtocol)
	case o.protocol != "":
		e.Protocol = o.protocol
	}
	e.Protocol = strings.ToLower(strings.TrimSpace(e.Protocol))
	if e.Protocol != protocolHTTP && e.Protocol != protocolGRPC {
		return e, errorsx.InvalidArgument.New("tracing: unknown OTLP protocol (want http/protobuf or grpc)",
			"variable", envProtocol, "value", e.Protocol)
	}
	base := ""
	switch {
	case os.Getenv(envTracesEndpoint) != "":
		e.Endpoint, e.EndpointFromEnv = os.Getenv(envTracesEndpoint), true
	case os.Getenv(envEndpoint) != "":
		base, e.EndpointFromEnv = os.Getenv(envEndpoint), true
	case o.endpoint != "":
		if u, err := url.Parse(o.endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return e, errorsx.InvalidArgument.New("tracing: the endpoint must be an http:// or https:// URL",
				"option", "WithEndpoint", "value", o.endpoint)
		}
		base = o.endpoint
	case e.Protocol == protocolGRPC:
		e.Endpoint = defaultGRPCTraces
	default:
		e.Endpoint = defaultHTTPTraces
	}
	if base != "" {
		e.Endpoint = base
		if e.Protocol == protocolHTTP {
			e.Endpoint = strings.TrimRight(base, "/") + httpTracesURLPath
		}
	}
	e.HeadersFromEnv = os.Getenv(envTracesHeaders) != "" || os.Getenv(envHeaders) != ""
	return e, nil
}

// splitList splits a comma-separated variable into trimmed, lower-case,
// non-empty names.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
			out = append(out, part)
		}
	}
	return out
}
