package otelenv

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The variables both packages read.
const (
	EnvSDKDisabled = "OTEL_SDK_DISABLED"
	EnvEndpoint    = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvProtocol    = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvHeaders     = "OTEL_EXPORTER_OTLP_HEADERS"
)

// The sources a plan names for its exporters (the log line's
// exporters_from).
const (
	SourceEnv          = "env"
	SourceOption       = "option"
	SourceDefault      = "default"
	SourceEndpointOnly = "endpoint configured"
)

// Signal is the kind of telemetry a package exports, as it appears in the
// per-signal variable names and the OTLP/HTTP URL path.
type Signal string

// The signals.
const (
	Traces  Signal = "traces"
	Metrics Signal = "metrics"
)

// Var returns the per-signal variant of a generic OTLP variable:
// Traces.Var("OTEL_EXPORTER_OTLP_ENDPOINT") is
// "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT". Other names come back unchanged.
func (s Signal) Var(generic string) string {
	const prefix = "OTEL_EXPORTER_OTLP_"
	rest, ok := strings.CutPrefix(generic, prefix)
	if !ok {
		return generic
	}
	return prefix + strings.ToUpper(string(s)) + "_" + rest
}

// Warning is one variable whose value was not valid, and what applies
// instead.
type Warning struct {
	Variable, Value, Using string
}

// Env reads the environment for one signal and collects the warnings. The
// zero value reads the process environment for no signal; set Signal
// before calling [Env.OTLP] or [Env.Lookup].
type Env struct {
	// Signal selects the per-signal variables and the default endpoints.
	Signal Signal
	// Package begins error messages ("tracing", "metrics").
	Package string
	// Getenv reads a variable; nil means os.Getenv.
	Getenv func(string) string

	// Warnings are the values that were not valid, in the order read.
	Warnings []Warning
}

// Get returns the variable's value.
func (e *Env) Get(variable string) string {
	if e.Getenv != nil {
		return e.Getenv(variable)
	}
	return os.Getenv(variable)
}

// Lookup returns the value of the per-signal variant of a generic OTLP
// variable if it is set, else the generic one's, with the name of the
// variable it came from; "" and "" when neither is set.
func (e *Env) Lookup(generic string) (value, variable string) {
	if v := e.Get(e.Signal.Var(generic)); v != "" {
		return v, e.Signal.Var(generic)
	}
	if v := e.Get(generic); v != "" {
		return v, generic
	}
	return "", ""
}

// Warn records that variable held value, which is not valid, and what is
// used instead.
func (e *Env) Warn(variable, value, using string) {
	e.Warnings = append(e.Warnings, Warning{variable, value, using})
}

// Bool reads the specification's boolean: "true" or "false" in any case,
// surrounding spaces ignored. Unset or empty gives def; any other value is
// warned about and gives def.
func (e *Env) Bool(variable string, def bool) bool {
	v := strings.TrimSpace(e.Get(variable))
	switch strings.ToLower(v) {
	case "":
		return def
	case "true":
		return true
	case "false":
		return false
	}
	e.Warn(variable, v, fmt.Sprintf("%t (not a boolean: true or false)", def))
	return def
}

// Milliseconds reads a duration the specification gives as an integer
// number of milliseconds. Unset or empty gives def; a value that is not an
// integer, not positive or above limit is warned about and gives def.
func (e *Env) Milliseconds(variable string, def, limit time.Duration) time.Duration {
	raw := strings.TrimSpace(e.Get(variable))
	if raw == "" {
		return def
	}
	ms, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || ms <= 0 || ms > int64(limit/time.Millisecond) {
		e.Warn(variable, raw, fmt.Sprintf("%d (milliseconds, a positive integer)", def.Milliseconds()))
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

// List returns the variable's comma-separated names, as [SplitList] does.
func (e *Env) List(variable string) []string {
	return SplitList(e.Get(variable))
}

// SplitList splits a comma-separated value into trimmed, lower-case,
// non-empty names, in order and with duplicates kept.
func SplitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
			out = append(out, part)
		}
	}
	return out
}
