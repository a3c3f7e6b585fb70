package otelenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// Resource describes the service: the telemetry SDK, the host, then attrs
// (the program's service.name and others), then OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES. Detectors merge in order, the later winning:
// the environment comes last because the specification says it overrides
// the code. A detector that fails in part (an attribute it could not read)
// does not fail the resource.
func Resource(ctx context.Context, attrs ...attribute.KeyValue) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithAttributes(attrs...),
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, err
	}
	return res, nil
}

// ExecutableName is the service name when none is given: the program's
// file name without .exe, or "unknown_service:go" as the specification
// says when there is none.
func ExecutableName() string {
	exe, err := os.Executable()
	if err != nil && len(os.Args) > 0 {
		exe = os.Args[0]
	}
	name := strings.TrimSuffix(filepath.Base(exe), ".exe")
	if name == "" || name == "." {
		return "unknown_service:go"
	}
	return name
}
