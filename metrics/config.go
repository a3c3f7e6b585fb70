package metrics

import (
	"time"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/otelenv"
)

// The variables Setup reads that are the package's own; package otelenv
// reads those the tracing package reads too (OTEL_SDK_DISABLED, the OTLP
// endpoint and protocol). The OTLP exporters read their own
// (OTEL_EXPORTER_OTLP_[METRICS_]HEADERS, _TIMEOUT, _COMPRESSION,
// _CERTIFICATE, _TEMPORALITY_PREFERENCE, ...) and the SDK reads
// OTEL_METRICS_EXEMPLAR_FILTER when Setup creates them.
const (
	envExporter = "OTEL_METRICS_EXPORTER"
	envInterval = "OTEL_METRIC_EXPORT_INTERVAL"

	exporterPrometheus = "prometheus"
	defaultInterval    = 60 * time.Second
	maxInterval        = 24 * time.Hour
)

// plan is the effective configuration, resolved from the options and the
// environment before anything is created.
type plan struct {
	// Off means no instrument records anything: OTEL_SDK_DISABLED=true, or
	// OTEL_METRICS_EXPORTER=none with no reader given in code.
	Off            bool
	OffReason      string
	Prometheus     bool
	Push           []exporterPlan // otlp, console
	ExporterSource string
	Interval       time.Duration

	// Warnings are the OTEL_* values that were not valid and what was used
	// instead; Setup logs each once. The specification asks for exactly
	// this: warn and fall back to the default rather than fail.
	Warnings []warning
}

// warning is one variable whose value was not valid, and what applies
// instead: otelenv's Warning as a type of the package's own, which the
// tests may write without field names.
type warning otelenv.Warning

// exporterPlan describes one push exporter. EndpointFromEnv says that the
// exporter reads the endpoint from the environment itself (with its TLS
// and timeout variables); the package has no headers option, so the
// exporter reads the headers from there in any case.
type exporterPlan otelenv.Exporter

// describe is the exporter as the configuration line shows it, with what
// in the endpoint may be a credential hidden.
func (e exporterPlan) describe() string {
	return otelenv.Exporter(e).Describe()
}

// resolve computes the plan. With newResource it is the only place that
// reads the environment.
func resolve(o *options) (plan, error) {
	p := plan{Interval: defaultInterval}
	if o.interval < 0 {
		return p, errorsx.InvalidArgument.New("metrics: the export interval must not be negative",
			"option", "WithExportInterval", "value", o.interval.String())
	}
	if o.interval > 0 {
		p.Interval = o.interval
	}
	env := &otelenv.Env{Signal: otelenv.Metrics, Package: "metrics"}
	if env.Bool(otelenv.EnvSDKDisabled, false) {
		p.Off, p.OffReason = true, otelenv.EnvSDKDisabled+"=true"
	}
	p.Interval = env.Milliseconds(envInterval, p.Interval, maxInterval)
	if err := resolveExporters(o, &p, env); err != nil {
		return p, err
	}
	for _, w := range env.Warnings {
		p.Warnings = append(p.Warnings, warning(w))
	}
	if !p.Off && !p.Prometheus && len(p.Push) == 0 && len(o.readers) == 0 {
		// Nothing would ever read a measurement: skip the SDK entirely so
		// that the middleware costs nothing.
		p.Off, p.OffReason = true, envExporter+"=none"
	}
	if p.Off {
		p.Prometheus, p.Push = false, nil
	}
	return p, nil
}

// resolveExporters applies the rule in the package documentation: the
// Prometheus reader is there unless OTEL_METRICS_EXPORTER is set and names
// neither prometheus nor (with WithPrometheus) anything but none; push
// exporters come from OTEL_METRICS_EXPORTER, or from an OTLP endpoint
// alone.
func resolveExporters(o *options, p *plan, env *otelenv.Env) error {
	names := env.List(envExporter)
	if len(names) == 0 {
		p.ExporterSource = otelenv.SourceDefault
		p.Prometheus = true
		// The specification's default is otlp, which would send to
		// localhost and log a refused connection on every export when
		// nothing listens there. Push only when told where to.
		if env.EndpointSet() {
			p.ExporterSource = otelenv.SourceEndpointOnly
			return p.addOTLP(env)
		}
		return nil
	}
	p.ExporterSource = otelenv.SourceEnv
	seen := map[string]bool{}
	valid := 0
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		switch n {
		case otelenv.ExporterNone:
			valid++
		case exporterPrometheus:
			valid++
			p.Prometheus = true
		case otelenv.ExporterConsole:
			valid++
			p.Push = append(p.Push, exporterPlan{Name: n})
		case otelenv.ExporterOTLP:
			valid++
			if err := p.addOTLP(env); err != nil {
				return err
			}
		default:
			env.Warn(envExporter, n, "the other exporters named (want otlp, prometheus, console or none)")
		}
	}
	if valid == 0 {
		// Nothing valid was named: the default applies, as it would
		// with the variable unset.
		p.Prometheus = true
		p.ExporterSource = otelenv.SourceDefault
		return nil
	}
	onlyNone := seen[otelenv.ExporterNone] && !p.Prometheus && len(p.Push) == 0
	if o.prometheus && !onlyNone {
		p.Prometheus = true
	}
	return nil
}

// addOTLP adds the OTLP exporter the environment describes. The package
// has no endpoint or protocol option: only the environment decides, and
// what is not valid there is a warning, not an error.
func (p *plan) addOTLP(env *otelenv.Env) error {
	e, err := env.OTLP(otelenv.OTLPOptions{})
	if err != nil {
		return err
	}
	p.Push = append(p.Push, exporterPlan(e))
	return nil
}
