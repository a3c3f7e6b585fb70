package otelenv

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// pkgWarning stands for a package's own type of Warning.
type pkgWarning Warning

func TestLogWarnings(t *testing.T) {
	t.Parallel()
	obs, logs := observer.New(zap.DebugLevel)
	LogWarnings(zap.New(obs), "tracing", []pkgWarning{
		{"OTEL_TRACES_SAMPLER", "sometimes", "the default (unknown sampler)"},
		{EnvSDKDisabled, "yes", "false (not a boolean: true or false)"},
	})
	type line struct {
		Level, Message string
		Fields         map[string]any
	}
	var got []line
	for _, e := range logs.All() {
		got = append(got, line{e.Level.String(), e.Message, e.ContextMap()})
	}
	msg := "tracing: an OTEL_* value is not valid and is ignored"
	want := []line{
		{"warn", msg, map[string]any{"variable": "OTEL_TRACES_SAMPLER", "value": "sometimes", "using": "the default (unknown sampler)"}},
		{"warn", msg, map[string]any{"variable": EnvSDKDisabled, "value": "yes", "using": "false (not a boolean: true or false)"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines mismatch (-want +got):\n%s", diff)
	}
	LogWarnings(nil, "metrics", []Warning{{"V", "v", "u"}}) // a nil logger logs nothing and does not panic
}

func TestResourceFields(t *testing.T) {
	t.Parallel()
	res := resource.NewSchemaless(attribute.String("service.name", "checkout"), attribute.String("host.name", "h1"))
	got := map[string]any{}
	for _, f := range ResourceFields(res, "service.version", "service.name", "host.name") {
		got[f.Key] = f.String
	}
	want := map[string]any{"service.name": "checkout", "host.name": "h1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
	if got := ResourceFields(nil, "service.name"); got != nil {
		t.Errorf("ResourceFields(nil) = %v, want none", got)
	}
}
