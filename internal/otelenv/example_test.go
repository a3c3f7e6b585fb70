package otelenv_test

import (
	"fmt"

	"github.com/supportkit/supportkit/internal/otelenv"
)

// A package resolves its OTLP exporter from the environment: the
// per-signal variable wins over the generic one, and a value that is not
// valid is a warning, not an error.
func ExampleEnv_OTLP() {
	vars := map[string]string{
		"OTEL_SDK_DISABLED":                  "yes",
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://collector:4318",
		"OTEL_EXPORTER_OTLP_PROTOCOL":        "grpc",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
	}
	env := &otelenv.Env{Signal: otelenv.Traces, Package: "tracing", Getenv: func(k string) string { return vars[k] }}
	disabled := env.Bool(otelenv.EnvSDKDisabled, false)
	exp, err := env.OTLP(otelenv.OTLPOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("disabled:", disabled)
	fmt.Println(exp.Describe())
	for _, w := range env.Warnings {
		fmt.Printf("warning: %s=%q, using %s\n", w.Variable, w.Value, w.Using)
	}
	// Output:
	// disabled: false
	// otlp http/protobuf http://collector:4318/v1/traces
	// warning: OTEL_SDK_DISABLED="yes", using false (not a boolean: true or false)
	// warning: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/json", using http/protobuf (want http/protobuf or grpc)
}
