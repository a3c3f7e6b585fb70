// Package grpchealth serves a [health.Registry] as the standard gRPC health
// service, grpc.health.v1.Health, so that gRPC load balancers and
// Kubernetes' gRPC probes read the same checks as the HTTP probes. It is a
// package of its own so that users of package health who do not use gRPC
// do not import it.
//
// Service names map to the registry as follows:
//
//	""                     readiness (the server's overall health)
//	"liveness", "readiness", "startup"   that probe
//	the name of a check    that check alone
//
// pass and warn are SERVING, fail is NOT_SERVING; while the registry
// drains, readiness is NOT_SERVING and Watch streams end, after telling
// their client NOT_SERVING, so that clients reconnect elsewhere.
package grpchealth
