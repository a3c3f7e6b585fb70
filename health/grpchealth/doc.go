// Package grpchealth serves a [health.Registry] as the standard gRPC health
// service, grpc.health.v1.Health, so that gRPC load balancers and
// Kubernetes' gRPC probes read the same checks as the HTTP probes. It is a
// package of its own so that users of package health who do not use gRPC
// do not import it.
//
// # Convention
//
// It follows the module's convention where it applies: [New] and
// [Register] start nothing and take no options (there is no zero value to
// interpret); the [Server] has no Shutdown of its own, because it lives as
// long as its registry: [health.Registry.Shutdown] (or
// [health.Registry.Drain]) ends its Watch streams. It logs nothing; the
// registry's logger ([health.WithLogger]) records each change of status.
// A nil registry is a programming error, reported at once by a panic.
//
// Service names map to the registry as follows:
//
//	""                     readiness (the server's overall health)
//	"liveness", "readiness", "startup"   that probe
//	the name of a check    that check alone
//
// A check can never take a probe's name ([health.Registry.Register]
// refuses it). pass and warn are SERVING, fail is NOT_SERVING, an unknown
// service is NOT_FOUND for Check and SERVICE_UNKNOWN for Watch.
//
// # Drain
//
// On SIGTERM, drain the registry, then stop the gRPC server:
//
//	err := reg.Drain(ctx, httpSrv) // or nil without an HTTP server
//	grpcSrv.GracefulStop()
//
// While the registry drains, readiness (service "") is NOT_SERVING and
// Watch streams stay open: grpc-go's client-side health checking
// (healthCheckConfig) re-opens Watch at once after any stream that sent a
// message, so streams that ended during the drain delay would be re-opened
// thousands of times a second. When the drain delay has passed, Drain
// stops the registry, which ends every Watch stream with UNAVAILABLE; a
// Watch opened after that ends at once without a message, so clients back
// off. GracefulStop, called after Drain, therefore never waits for
// watchers.
//
// # Kubernetes
//
// Kubernetes' own gRPC probe (grpc: in the pod spec, GA since 1.27) and
// grpc-health-probe (an exec probe) call Check. The liveness probe must
// name the "liveness" service: the default, "", is readiness, which fails
// while the process drains or a dependency is down, and a liveness probe
// that fails restarts the container.
//
//	startupProbe:
//	  grpc: {port: 9090, service: startup}
//	  periodSeconds: 2
//	  failureThreshold: 30   # up to 60 s to start
//	livenessProbe:
//	  grpc: {port: 9090, service: liveness}
//	  periodSeconds: 10
//	  failureThreshold: 3
//	readinessProbe:
//	  grpc: {port: 9090}     # service "": readiness
//	  periodSeconds: 2
//	  failureThreshold: 2    # out of rotation within 4 s: keep the drain delay longer
//
// With grpc-health-probe instead (v0.4; its release images install it as
// /bin/grpc_health_probe, go install as grpc-health-probe):
//
//	livenessProbe:
//	  exec:
//	    command: ["/bin/grpc_health_probe", "-addr=:9090", "-service=liveness",
//	              "-connect-timeout=1s", "-rpc-timeout=1s"]
//	readinessProbe:
//	  exec:
//	    command: ["/bin/grpc_health_probe", "-addr=:9090",
//	              "-connect-timeout=1s", "-rpc-timeout=1s"]
//
// Its exit code is 0 for SERVING, 4 for NOT_SERVING, 3 when the RPC fails
// (an unknown service: NOT_FOUND) and 2 when it cannot connect (after
// GracefulStop).
package grpchealth
