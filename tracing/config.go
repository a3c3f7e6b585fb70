package tracing

import (
	"fmt"
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

	// Warnings are the OTEL_* values that were not valid and what was used
	// instead; Setup logs each once. The specification asks for exactly
	// this: warn and fall back to the default rather than fail.
	Warnings []warning

	sampler    sdktrace.Sampler
	propagator propagation.TextMapPropagator
}

// warning is one variable whose value was not valid, and what applies
// instead.
type warning struct {
	Variable, Value, Using string
}

func (p *plan) warn(variable, value, using string) {
	p.Warnings = append(p.Warnings, warning{variable, value, using})
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
		// The specification's boolean: "true" or "false", any case; any
		// other value is warned about and the default applies.
		switch strings.ToLower(v) {
		case "true":
			p.Disabled = true
		case "false":
			p.Disabled = false
		default:
			p.warn(envDisabled, v, fmt.Sprintf("%t (not a boolean: true or false)", p.Disabled))
		}
	}

	var err error
	if p.sampler, p.SamplerSource, err = resolveSampler(o, &p); err != nil {
		return p, err
	}
	p.Sampler = p.sampler.Description()

	if p.propagator, p.Propagators, err = resolvePropagators(o, &p); err != nil {
		return p, err
	}

	if p.Exporters, p.ExporterSource, err = resolveExporters(o, &p); err != nil {
		return p, err
	}
	return p, nil
}

func resolveSampler(o *options, p *plan) (sdktrace.Sampler, string, error) {
	fallback := func() (sdktrace.Sampler, string, error) {
		if o.sampler != nil {
			return o.sampler, sourceOption, nil
		}
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), sourceDefault, nil
	}
	raw := strings.TrimSpace(os.Getenv(envSampler))
	name := strings.ToLower(raw)
	if name == "" {
		return fallback()
	}
	arg := strings.TrimSpace(os.Getenv(envSamplerArg))
	ratio := func() sdktrace.Sampler {
		if arg == "" {
			return sdktrace.TraceIDRatioBased(1)
		}
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f < 0 || f > 1 {
			p.warn(envSamplerArg, arg, "1.0 (the argument must be a number from 0 to 1)")
			return sdktrace.TraceIDRatioBased(1)
		}
		return sdktrace.TraceIDRatioBased(f)
	}
	switch name {
	case "always_on":
		return sdktrace.AlwaysSample(), sourceEnv, nil
	case "always_off":
		return sdktrace.NeverSample(), sourceEnv, nil
	case "traceidratio":
		return ratio(), sourceEnv, nil
	case "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), sourceEnv, nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), sourceEnv, nil
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(ratio()), sourceEnv, nil
	}
	s, source, err := fallback()
	if err == nil {
		p.warn(envSampler, raw, s.Description()+" (unknown sampler)")
	}
	return s, source, err
}

func resolvePropagators(o *options, p *plan) (propagation.TextMapPropagator, []string, error) {
	var names []string
	for _, n := range splitList(os.Getenv(envPropagators)) {
		if n == "none" {
			return propagation.NewCompositeTextMapPropagator(), []string{"none"}, nil
		}
		if _, err := autoprop.TextMapPropagator(n); err != nil {
			p.warn(envPropagators, n, "the other propagators named (unknown propagator)")
			continue
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		names = o.propagators
		for _, n := range names {
			if n == "none" {
				return propagation.NewCompositeTextMapPropagator(), []string{"none"}, nil
			}
		}
	}
	if len(names) == 0 {
		names = []string{"tracecontext", "baggage"}
	}
	prop, err := autoprop.TextMapPropagator(names...)
	if err != nil { // only an option can get here: a program's mistake
		return nil, nil, errorsx.InvalidArgument.Wrap(err, "tracing: unknown propagator",
			"option", "WithPropagators", "value", strings.Join(names, ","))
	}
	return prop, names, nil
}

func resolveExporters(o *options, p *plan) ([]exporterPlan, string, error) {
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
			e, err := resolveOTLP(o, p)
			if err != nil {
				return nil, source, err
			}
			out = append(out, e)
		default:
			if source != sourceEnv {
				return nil, source, errorsx.InvalidArgument.New("tracing: unknown exporter (want otlp, console or none)",
					"option", "WithExporter", "value", n)
			}
			p.warn(envExporter, n, "the other exporters named (want otlp, console or none)")
		}
	}
	return out, source, nil
}

func resolveOTLP(o *options, p *plan) (exporterPlan, error) {
	e := exporterPlan{Name: exporterOTLP, Protocol: protocolHTTP}
	variable := ""
	switch {
	case os.Getenv(envTracesProtocol) != "":
		e.Protocol, variable = os.Getenv(envTracesProtocol), envTracesProtocol
	case os.Getenv(envProtocol) != "":
		e.Protocol, variable = os.Getenv(envProtocol), envProtocol
	case o.protocol != "":
		e.Protocol = o.protocol
	}
	raw := e.Protocol
	e.Protocol = strings.ToLower(strings.TrimSpace(e.Protocol))
	if e.Protocol != protocolHTTP && e.Protocol != protocolGRPC {
		if variable == "" {
			return e, errorsx.InvalidArgument.New("tracing: unknown OTLP protocol (want http/protobuf or grpc)",
				"option", "WithProtocol", "value", raw)
		}
		p.warn(variable, raw, protocolHTTP+" (want http/protobuf or grpc)")
		e.Protocol = protocolHTTP
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
