package otelenv

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzEnv feeds arbitrary values to the variables Env parses: it never
// panics; every value not used is a warning naming its variable; the OTLP
// exporter it resolves has a known protocol and an endpoint.
func FuzzEnv(f *testing.F) {
	f.Add("true", "1500", "grpc", "http://c:4317", "", "")
	f.Add("yes", "5s", "http/json", "", "http://t:1/x", "GRPC")
	f.Add(" ", "-1", "", "::", "", "")
	f.Fuzz(func(t *testing.T, disabled, interval, protocol, endpoint, tracesEndpoint, tracesProtocol string) {
		vars := map[string]string{
			EnvSDKDisabled: disabled, "OTEL_METRIC_EXPORT_INTERVAL": interval,
			EnvProtocol: protocol, EnvEndpoint: endpoint,
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": tracesEndpoint, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": tracesProtocol,
		}
		e := fakeEnv(Traces, vars)
		e.Bool(EnvSDKDisabled, false)
		if d := e.Milliseconds("OTEL_METRIC_EXPORT_INTERVAL", time.Minute, time.Hour); d <= 0 || d > time.Hour {
			t.Fatalf("Milliseconds(%q) = %v, out of range", interval, d)
		}
		x, err := e.OTLP(OTLPOptions{})
		if err != nil {
			t.Fatalf("OTLP without options failed: %v", err)
		}
		if x.Protocol != ProtocolHTTP && x.Protocol != ProtocolGRPC {
			t.Fatalf("protocol %q", x.Protocol)
		}
		if x.Endpoint == "" {
			t.Fatal("no endpoint")
		}
		if d := x.Describe(); strings.Contains(d, "@") && !strings.Contains(d, "REDACTED@") {
			if u, err := url.Parse(x.Endpoint); err == nil && u.User != nil {
				t.Fatalf("Describe shows the user of %q: %s", x.Endpoint, d)
			}
		}
		for _, w := range e.Warnings {
			if _, ok := vars[w.Variable]; !ok {
				t.Fatalf("warning names %q, which was not read", w.Variable)
			}
		}
	})
}
