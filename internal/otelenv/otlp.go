package otelenv

import (
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/supportkit/supportkit/errorsx"
)

// The OTLP protocols and the exporter names both packages know.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"

	ExporterOTLP    = "otlp"
	ExporterConsole = "console"
	ExporterNone    = "none"
)

// Exporter describes one push exporter of a plan.
type Exporter struct {
	Name     string
	Protocol string // otlp only
	Endpoint string // otlp only: the URL the signal is sent to
	// EndpointFromEnv and HeadersFromEnv say that the exporter reads them
	// from the environment itself (with its TLS, timeout and compression
	// variables); otherwise Setup passes the options.
	EndpointFromEnv bool
	HeadersFromEnv  bool
}

// OTLPOptions are the OTLP settings a program gave in code; "" is unset.
// Errors about them name the options WithProtocol and WithEndpoint, as
// both packages call them.
type OTLPOptions struct {
	Protocol string
	Endpoint string
}

// OTLP resolves the OTLP exporter of e's signal. The protocol comes from
// the per-signal variable, the generic one, the option, or is
// http/protobuf; a variable naming another protocol is warned about and
// http/protobuf applies. The endpoint comes from the per-signal variable
// (used as is), the generic one or the option (with /v1/<signal> appended
// over http/protobuf), or is the default of the protocol. Headers set in
// either variable win over the program's.
func (e *Env) OTLP(o OTLPOptions) (Exporter, error) {
	x := Exporter{Name: ExporterOTLP, Protocol: ProtocolHTTP}
	raw, variable := e.Lookup(EnvProtocol)
	if variable == "" {
		raw = o.Protocol
	}
	if raw != "" {
		x.Protocol = strings.ToLower(strings.TrimSpace(raw))
	}
	if x.Protocol != ProtocolHTTP && x.Protocol != ProtocolGRPC {
		if variable == "" {
			return x, errorsx.InvalidArgument.New(e.Package+": unknown OTLP protocol (want http/protobuf or grpc)",
				"option", "WithProtocol", "value", raw)
		}
		e.Warn(variable, raw, ProtocolHTTP+" (want http/protobuf or grpc)")
		x.Protocol = ProtocolHTTP
	}

	base := ""
	switch endpoint, from := e.Lookup(EnvEndpoint); {
	case from == e.Signal.Var(EnvEndpoint):
		x.Endpoint, x.EndpointFromEnv = endpoint, true
	case from != "":
		base, x.EndpointFromEnv = endpoint, true
	case o.Endpoint != "":
		if u, err := url.Parse(o.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return x, errorsx.InvalidArgument.New(e.Package+": the endpoint must be an http:// or https:// URL",
				"option", "WithEndpoint", "value", o.Endpoint)
		}
		base = o.Endpoint
	case x.Protocol == ProtocolGRPC:
		x.Endpoint = "http://localhost:4317"
	default:
		x.Endpoint = "http://localhost:4318" + e.Signal.URLPath()
	}
	if base != "" {
		x.Endpoint = base
		if x.Protocol == ProtocolHTTP {
			x.Endpoint = strings.TrimRight(base, "/") + e.Signal.URLPath()
		}
	}
	_, headers := e.Lookup(EnvHeaders)
	x.HeadersFromEnv = headers != ""
	return x, nil
}

// EndpointSet says whether either endpoint variable of e's signal is set:
// then the packages export over OTLP even when no exporter is named.
func (e *Env) EndpointSet() bool {
	_, variable := e.Lookup(EnvEndpoint)
	return variable != ""
}

// URLPath is the path an OTLP/HTTP receiver takes the signal at:
// /v1/traces, /v1/metrics.
func (s Signal) URLPath() string {
	return "/v1/" + string(s)
}

// Describe returns the exporter as the configuration log line shows it:
// its name, and for otlp the protocol and the endpoint with what may be a
// credential in it (a user and password, a query) hidden by [RedactURL].
func (x Exporter) Describe() string {
	if x.Name != ExporterOTLP {
		return x.Name
	}
	return x.Name + " " + x.Protocol + " " + RedactURL(x.Endpoint)
}

// RedactURL hides what in an endpoint URL may be a credential (a user and
// password, a query such as ?api_key=) before it is logged.
func RedactURL(raw string) string {
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

// ExporterOptions returns the options an OTLP exporter of x is built with:
// the endpoint URL unless the exporter reads it from the environment, and
// the program's headers unless the environment sets them. endpointURL and
// withHeaders are the exporter package's WithEndpointURL and WithHeaders.
func ExporterOptions[O any](x Exporter, headers map[string]string, endpointURL func(string) O, withHeaders func(map[string]string) O) []O {
	var opts []O
	if !x.EndpointFromEnv {
		opts = append(opts, endpointURL(x.Endpoint))
	}
	if !x.HeadersFromEnv && len(headers) > 0 {
		opts = append(opts, withHeaders(headers))
	}
	return opts
}

// ConsoleWriter is where the console exporter writes: w, or standard
// output when w is nil.
func ConsoleWriter(w io.Writer) io.Writer {
	if w == nil {
		return os.Stdout
	}
	return w
}
