package otelenv

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
)

// TestResourceEnvironmentWins: OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES override what the program gives, as the
// specification says; the SDK's attributes are there.
func TestResourceEnvironmentWins(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"code only", nil, map[string]string{"service.name": "checkout", "deployment.environment.name": "staging"}},
		{"environment wins", map[string]string{
			"OTEL_SERVICE_NAME": "from-env", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod,team=payments",
		}, map[string]string{"service.name": "from-env", "deployment.environment.name": "prod", "team": "payments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_SERVICE_NAME", "")
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			res, err := Resource(t.Context(), attribute.String("service.name", "checkout"),
				attribute.String("deployment.environment.name", "staging"))
			if err != nil {
				t.Fatalf("Resource: %v", err)
			}
			got := map[string]string{}
			for k := range tt.want {
				if v, ok := res.Set().Value(attribute.Key(k)); ok {
					got[k] = v.Emit()
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("attributes mismatch (-want +got):\n%s", diff)
			}
			if _, ok := res.Set().Value("telemetry.sdk.language"); !ok {
				t.Error("no telemetry.sdk.language: the SDK detector did not run")
			}
		})
	}
}

func TestExecutableName(t *testing.T) {
	t.Parallel()
	// The test binary is otelenv.test.
	if got, want := ExecutableName(), "otelenv.test"; got != want {
		t.Errorf("ExecutableName() = %q, want %q", got, want)
	}
}
