// Package polled knows the paths that load balancers, orchestrators and
// scrapers poll: the probe endpoints and Prometheus' /metrics. Packages
// tracing and metrics leave them out by default: a span or a latency
// sample for each poll would drown the requests people look at.
package polled

import "strings"

// Paths are the polled endpoints: the Kubernetes probes and the common
// others, and /metrics.
var Paths = []string{"/livez", "/readyz", "/startupz", "/healthz", "/health", "/ping", "/metrics"}

// Path reports whether path is one of [Paths] or a path under one, such
// as /livez/ping.
func Path(path string) bool {
	for _, p := range Paths {
		if strings.HasPrefix(path, p) && (len(path) == len(p) || path[len(p)] == '/') {
			return true
		}
	}
	return false
}
