package otelenv

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeEnv is an Env for signal s that reads vars instead of the process
// environment, so that tests run in parallel.
func fakeEnv(s Signal, vars map[string]string) *Env {
	return &Env{Signal: s, Package: "pkg", Getenv: func(k string) string { return vars[k] }}
}

func TestSignalVar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		signal  Signal
		generic string
		want    string
	}{
		{Traces, EnvEndpoint, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{Traces, EnvProtocol, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
		{Traces, EnvHeaders, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
		{Metrics, EnvEndpoint, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"},
		{Metrics, EnvProtocol, "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"},
		{Metrics, EnvHeaders, "OTEL_EXPORTER_OTLP_METRICS_HEADERS"},
		{Metrics, "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"},
		{Traces, EnvSDKDisabled, EnvSDKDisabled}, // not an OTLP variable: unchanged
	}
	for _, tt := range tests {
		if got := tt.signal.Var(tt.generic); got != tt.want {
			t.Errorf("%s.Var(%s) = %s, want %s", tt.signal, tt.generic, got, tt.want)
		}
	}
	if got, want := Traces.URLPath(), "/v1/traces"; got != want {
		t.Errorf("Traces.URLPath() = %s, want %s", got, want)
	}
	if got, want := Metrics.URLPath(), "/v1/metrics"; got != want {
		t.Errorf("Metrics.URLPath() = %s, want %s", got, want)
	}
}

func TestLookupPrefersTheSignalsVariable(t *testing.T) {
	t.Parallel()
	type result struct{ Value, Variable string }
	tests := []struct {
		name string
		vars map[string]string
		want result
	}{
		{"neither", nil, result{}},
		{"generic only", map[string]string{EnvEndpoint: "http://g"}, result{"http://g", EnvEndpoint}},
		{"signal only", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t"},
			result{"http://t", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}},
		{"both: the signal's wins", map[string]string{EnvEndpoint: "http://g", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t"},
			result{"http://t", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}},
		{"the other signal's is not read", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://m"}, result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got result
			got.Value, got.Variable = fakeEnv(Traces, tt.vars).Lookup(EnvEndpoint)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBool: the specification's boolean. Cases from tracing's and
// metrics' OTEL_SDK_DISABLED tests.
func TestBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		def   bool
		want  bool
		warn  []Warning
	}{
		{"unset: the default", "", false, false, nil},
		{"unset: the default, true", "", true, true, nil},
		{"upper case", "TRUE", false, true, nil},
		{"spaces", "  true ", false, true, nil},
		{"false wins over a true default", "false", true, false, nil},
		{"False", "False", true, false, nil},
		{"yes is not true: warned, the default", "yes", false, false,
			[]Warning{{EnvSDKDisabled, "yes", "false (not a boolean: true or false)"}}},
		{"1 is not true: warned, the default", " 1 ", true, true,
			[]Warning{{EnvSDKDisabled, "1", "true (not a boolean: true or false)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := fakeEnv(Traces, map[string]string{EnvSDKDisabled: tt.value})
			if got := e.Bool(EnvSDKDisabled, tt.def); got != tt.want {
				t.Errorf("Bool(%q, %t) = %t, want %t", tt.value, tt.def, got, tt.want)
			}
			if diff := cmp.Diff(tt.warn, e.Warnings); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMilliseconds: cases from metrics' OTEL_METRIC_EXPORT_INTERVAL tests.
func TestMilliseconds(t *testing.T) {
	t.Parallel()
	const v = "OTEL_METRIC_EXPORT_INTERVAL"
	using := "60000 (milliseconds, a positive integer)"
	tests := []struct {
		value string
		want  time.Duration
		warn  []Warning
	}{
		{"", time.Minute, nil},
		{"1500", 1500 * time.Millisecond, nil},
		{" 10 ", 10 * time.Millisecond, nil},
		{"86400000", 24 * time.Hour, nil},
		{"86400001", time.Minute, []Warning{{v, "86400001", using}}},
		{"5s", time.Minute, []Warning{{v, "5s", using}}},
		{"0", time.Minute, []Warning{{v, "0", using}}},
		{"-1", time.Minute, []Warning{{v, "-1", using}}},
		{"1.5", time.Minute, []Warning{{v, "1.5", using}}},
		{"99999999999999999999", time.Minute, []Warning{{v, "99999999999999999999", using}}},
	}
	for _, tt := range tests {
		e := fakeEnv(Metrics, map[string]string{v: tt.value})
		if got := e.Milliseconds(v, time.Minute, 24*time.Hour); got != tt.want {
			t.Errorf("Milliseconds(%q) = %v, want %v", tt.value, got, tt.want)
		}
		if diff := cmp.Diff(tt.warn, e.Warnings); diff != "" {
			t.Errorf("Milliseconds(%q) warnings mismatch (-want +got):\n%s", tt.value, diff)
		}
	}
}

func TestSplitList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{",,", nil},
		{" OTLP, console ,otlp", []string{"otlp", "console", "otlp"}},
		{" Prometheus , console,prometheus", []string{"prometheus", "console", "prometheus"}},
		{"jaeger,,xray", []string{"jaeger", "xray"}},
		{" NONE ", []string{"none"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, SplitList(tt.in)); diff != "" {
			t.Errorf("SplitList(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
		e := fakeEnv(Traces, map[string]string{"OTEL_TRACES_EXPORTER": tt.in})
		if diff := cmp.Diff(tt.want, e.List("OTEL_TRACES_EXPORTER")); diff != "" {
			t.Errorf("List of %q mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestGetReadsTheProcessEnvironment: without Getenv, Env reads the
// process's variables, as the packages use it.
func TestGetReadsTheProcessEnvironment(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc")
	t.Setenv(EnvProtocol, "http/protobuf")
	e := &Env{Signal: Metrics}
	value, variable := e.Lookup(EnvProtocol)
	if value != "grpc" || variable != "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL" {
		t.Errorf("Lookup = %q from %q, want grpc from OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", value, variable)
	}
}
