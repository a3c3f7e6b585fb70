package tracing

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/otelenv"
)

// The variables Setup reads that are tracing's own; package otelenv reads
// those the metrics package reads too (OTEL_SDK_DISABLED, the OTLP
// endpoint, protocol and headers). The OTLP exporters and the batch span
// processor read their own (OTEL_EXPORTER_OTLP_TIMEOUT, _COMPRESSION,
// _CERTIFICATE, _INSECURE, OTEL_BSP_*) when Setup creates them.
const (
	envExporter    = "OTEL_TRACES_EXPORTER"
	envSampler     = "OTEL_TRACES_SAMPLER"
	envSamplerArg  = "OTEL_TRACES_SAMPLER_ARG"
	envPropagators = "OTEL_PROPAGATORS"
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
// instead: otelenv's Warning as a type of the package's own, which the
// tests may write without field names.
type warning otelenv.Warning

// exporterPlan describes one exporter. EndpointFromEnv and HeadersFromEnv
// say that the exporter reads them from the environment itself; otherwise
// Setup passes the options.
type exporterPlan otelenv.Exporter

// resolve computes the plan. It is the only place that reads the
// environment, with Setup's resource detection and the exporters'
// constructors.
func resolve(o *options) (plan, error) {
	env := &otelenv.Env{Signal: otelenv.Traces, Package: "tracing"}
	p, err := resolveEnv(o, env)
	for _, w := range env.Warnings {
		p.Warnings = append(p.Warnings, warning(w))
	}
	return p, err
}

func resolveEnv(o *options, env *otelenv.Env) (plan, error) {
	var p plan
	p.Disabled = env.Bool(otelenv.EnvSDKDisabled, o.disabled)

	var err error
	if p.sampler, p.SamplerSource, err = resolveSampler(o, env); err != nil {
		return p, err
	}
	p.Sampler = p.sampler.Description()

	if p.propagator, p.Propagators, err = resolvePropagators(o, env); err != nil {
		return p, err
	}

	if p.Exporters, p.ExporterSource, err = resolveExporters(o, env); err != nil {
		return p, err
	}
	return p, nil
}

func resolveSampler(o *options, env *otelenv.Env) (sdktrace.Sampler, string, error) {
	fallback := func() (sdktrace.Sampler, string, error) {
		if o.sampler != nil {
			return o.sampler, otelenv.SourceOption, nil
		}
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), otelenv.SourceDefault, nil
	}
	raw := strings.TrimSpace(env.Get(envSampler))
	name := strings.ToLower(raw)
	if name == "" {
		return fallback()
	}
	arg := strings.TrimSpace(env.Get(envSamplerArg))
	ratio := func() sdktrace.Sampler {
		if arg == "" {
			return sdktrace.TraceIDRatioBased(1)
		}
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f < 0 || f > 1 {
			env.Warn(envSamplerArg, arg, "1.0 (the argument must be a number from 0 to 1)")
			return sdktrace.TraceIDRatioBased(1)
		}
		return sdktrace.TraceIDRatioBased(f)
	}
	switch name {
	case "always_on":
		return sdktrace.AlwaysSample(), otelenv.SourceEnv, nil
	case "always_off":
		return sdktrace.NeverSample(), otelenv.SourceEnv, nil
	case "traceidratio":
		return ratio(), otelenv.SourceEnv, nil
	case "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), otelenv.SourceEnv, nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), otelenv.SourceEnv, nil
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(ratio()), otelenv.SourceEnv, nil
	}
	s, source, err := fallback()
	if err == nil {
		env.Warn(envSampler, raw, s.Description()+" (unknown sampler)")
	}
	return s, source, err
}

func resolvePropagators(o *options, env *otelenv.Env) (propagation.TextMapPropagator, []string, error) {
	var names []string
	for _, n := range env.List(envPropagators) {
		if n == "none" {
			return propagation.NewCompositeTextMapPropagator(), []string{"none"}, nil
		}
		if _, err := autoprop.TextMapPropagator(n); err != nil {
			env.Warn(envPropagators, n, "the other propagators named (unknown propagator)")
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

func resolveExporters(o *options, env *otelenv.Env) ([]exporterPlan, string, error) {
	names, source := env.List(envExporter), otelenv.SourceEnv
	if len(names) == 0 {
		names, source = o.exporters, otelenv.SourceOption
	}
	if len(names) == 0 {
		// The specification's default is otlp, which would send to
		// localhost and log a refused connection on every export when
		// nothing listens there. Export only when told where to.
		if !env.EndpointSet() && o.endpoint == "" {
			return nil, otelenv.SourceDefault, nil
		}
		names, source = []string{otelenv.ExporterOTLP}, otelenv.SourceEndpointOnly
	}
	var out []exporterPlan
	seen := map[string]bool{}
	for _, n := range names {
		if n == otelenv.ExporterNone || seen[n] {
			continue
		}
		seen[n] = true
		switch n {
		case otelenv.ExporterConsole:
			out = append(out, exporterPlan{Name: n})
		case otelenv.ExporterOTLP:
			e, err := env.OTLP(otelenv.OTLPOptions{Protocol: o.protocol, Endpoint: o.endpoint})
			if err != nil {
				return nil, source, err
			}
			out = append(out, exporterPlan(e))
		default:
			if source != otelenv.SourceEnv {
				return nil, source, errorsx.InvalidArgument.New("tracing: unknown exporter (want otlp, console or none)",
					"option", "WithExporter", "value", n)
			}
			env.Warn(envExporter, n, "the other exporters named (want otlp, console or none)")
		}
	}
	return out, source, nil
}
