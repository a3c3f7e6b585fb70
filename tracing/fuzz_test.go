package tracing

import (
	"strings"
	"testing"
)

// FuzzResolve feeds arbitrary values to the variables Setup parses: it
// must either return an error or a plan that Setup can build, never panic.
func FuzzResolve(f *testing.F) {
	f.Add("otlp,console", "grpc", "parentbased_traceidratio", "0.5", "tracecontext,b3", "http://c:4318")
	f.Add(" NONE ", "http/protobuf", "always_off", "", "none", "")
	f.Add(",,", "", "traceidratio", "-1", "jaeger,,xray", "::")
	f.Fuzz(func(t *testing.T, exporters, protocol, sampler, arg, propagators, endpoint string) {
		if strings.ContainsRune(exporters+protocol+sampler+arg+propagators+endpoint, 0) {
			return // an environment variable cannot hold NUL
		}
		clearEnv(t, map[string]string{
			envExporter: exporters, envProtocol: protocol, envSampler: sampler,
			envSamplerArg: arg, envPropagators: propagators, envEndpoint: endpoint,
		})
		p, err := resolve(&options{})
		if err != nil {
			return
		}
		if p.sampler == nil || p.propagator == nil {
			t.Fatalf("plan without sampler or propagator: %+v", p)
		}
		for _, e := range p.Exporters {
			switch {
			case e.Name == exporterConsole:
			case e.Name == exporterOTLP && (e.Protocol == protocolHTTP || e.Protocol == protocolGRPC) && e.Endpoint != "":
			default:
				t.Fatalf("exporter plan %+v cannot be built", e)
			}
		}
	})
}
