package metrics

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/supportkit/supportkit/errorsx"
)

// The standard variables Setup reads. The OTLP exporters read their own
// (OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT, _COMPRESSION, _CERTIFICATE,
// _TEMPORALITY_PREFERENCE, ...) and the SDK reads
// OTEL_METRICS_EXEMPLAR_FILTER when Setup creates them.
const (
	envDisabled        = "OTEL_SDK_DISABLED"
	envExporter        = "OTEL_METRICS_EXPORTER"
	envInterval        = "OTEL_METRIC_EXPORT_INTERVAL"
	envEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
	envHeaders         = "OTEL_EXPORTER_OTLP_HEADERS"
	envMetricsHeaders  = "OTEL_EXPORTER_OTLP_METRICS_HEADERS"

	protocolHTTP       = "http/protobuf"
	protocolGRPC       = "grpc"
	defaultHTTPMetrics = "http://localhost:4318/v1/metrics"
	defaultGRPCMetrics = "http://localhost:4317"
	httpMetricsURLPath = "/v1/metrics"
	defaultInterval    = 60 * time.Second

	exporterOTLP       = "otlp"
	exporterPrometheus = "prometheus"
	exporterConsole    = "console"
	exporterNone       = "none"

	sourceEnv          = "env"
	sourceDefault      = "default"
	sourceEndpointOnly = "endpoint configured"
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
// instead.
type warning struct {
	Variable, Value, Using string
}

func (p *plan) warn(variable, value, using string) {
	p.Warnings = append(p.Warnings, warning{variable, value, using})
}

// exporterPlan describes one push exporter.
type exporterPlan struct {
	Name     string
	Protocol string // otlp only
	Endpoint string // otlp only: the URL metrics are sent to
	// EndpointFromEnv says that the exporter reads the endpoint from the
	// environment itself (with its headers, TLS and timeout variables).
	EndpointFromEnv bool
}

func (e exporterPlan) describe() string {
	if e.Name != exporterOTLP {
		return e.Name
	}
	return e.Name + " " + e.Protocol + " " + redactURL(e.Endpoint)
}

// redactURL hides what in an endpoint URL may be a credential (a user and
// password, a query such as ?api_key=) before it is logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	return u.String()
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
	if v := strings.TrimSpace(os.Getenv(envDisabled)); v != "" {
		// The specification's boolean: "true" or "false", any case; any
		// other value is warned about and the default (false) applies.
		switch strings.ToLower(v) {
		case "true":
			p.Off, p.OffReason = true, envDisabled+"=true"
		case "false":
		default:
			p.warn(envDisabled, v, "false (not a boolean: true or false)")
		}
	}
	if raw := strings.TrimSpace(os.Getenv(envInterval)); raw != "" {
		ms, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || ms <= 0 || ms > int64(24*time.Hour/time.Millisecond) {
			p.warn(envInterval, raw, fmt.Sprintf("%d (milliseconds, a positive integer)", p.Interval.Milliseconds()))
		} else {
			p.Interval = time.Duration(ms) * time.Millisecond
		}
	}
	resolveExporters(o, &p)
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
func resolveExporters(o *options, p *plan) {
	raw := os.Getenv(envExporter)
	names := splitList(raw)
	if len(names) == 0 {
		p.ExporterSource = sourceDefault
		p.Prometheus = true
		// The specification's default is otlp, which would send to
		// localhost and log a refused connection on every export when
		// nothing listens there. Push only when told where to.
		if os.Getenv(envMetricsEndpoint) != "" || os.Getenv(envEndpoint) != "" {
			p.ExporterSource = sourceEndpointOnly
			p.Push = append(p.Push, resolveOTLP(p))
		}
		return
	}
	p.ExporterSource = sourceEnv
	seen := map[string]bool{}
	valid := 0
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		switch n {
		case exporterNone:
			valid++
		case exporterPrometheus:
			valid++
			p.Prometheus = true
		case exporterConsole:
			valid++
			p.Push = append(p.Push, exporterPlan{Name: n})
		case exporterOTLP:
			valid++
			p.Push = append(p.Push, resolveOTLP(p))
		default:
			p.warn(envExporter, n, "the other exporters named (want otlp, prometheus, console or none)")
		}
	}
	if valid == 0 {
		// Nothing valid was named: the default applies, as it would
		// with the variable unset.
		p.Prometheus = true
		p.ExporterSource = sourceDefault
		return
	}
	onlyNone := seen[exporterNone] && !p.Prometheus && len(p.Push) == 0
	if o.prometheus && !onlyNone {
		p.Prometheus = true
	}
}

func resolveOTLP(p *plan) exporterPlan {
	e := exporterPlan{Name: exporterOTLP, Protocol: protocolHTTP}
	variable, raw := "", ""
	switch {
	case os.Getenv(envMetricsProtocol) != "":
		variable, raw = envMetricsProtocol, os.Getenv(envMetricsProtocol)
	case os.Getenv(envProtocol) != "":
		variable, raw = envProtocol, os.Getenv(envProtocol)
	}
	if variable != "" {
		switch v := strings.ToLower(strings.TrimSpace(raw)); v {
		case protocolHTTP, protocolGRPC:
			e.Protocol = v
		default:
			p.warn(variable, raw, protocolHTTP+" (want http/protobuf or grpc)")
		}
	}
	switch {
	case os.Getenv(envMetricsEndpoint) != "":
		e.Endpoint, e.EndpointFromEnv = os.Getenv(envMetricsEndpoint), true
	case os.Getenv(envEndpoint) != "":
		e.Endpoint, e.EndpointFromEnv = os.Getenv(envEndpoint), true
		if e.Protocol == protocolHTTP {
			e.Endpoint = strings.TrimRight(e.Endpoint, "/") + httpMetricsURLPath
		}
	case e.Protocol == protocolGRPC:
		e.Endpoint = defaultGRPCMetrics
	default:
		e.Endpoint = defaultHTTPMetrics
	}
	return e
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
