// Package prometheustest runs a real Prometheus server for end-to-end
// tests and asks it, through its HTTP API, what it scraped.
//
// [Start] runs Debian's prometheus binary (installed by
// .ci/setup.d/prometheus.sh) on a free port of 127.0.0.1, with a
// temporary configuration and data directory and exemplar storage enabled,
// scraping one target's /metrics every second. It waits until the server
// is ready and stops it when the test ends (SIGTERM, then SIGKILL after
// 15 s); its output is logged when the test has failed.
//
// Prometheus' scrape interval is the test's clock: no fake clock can speed
// it up. [Server.Expect], [Server.ExpectPositive],
// [Server.ExpectExemplars] and [Eventually] poll with a deadline instead
// of sleeping for a guessed time.
//
// [TraceIDs] makes the sampled traceparent headers a test sends and
// remembers their trace IDs: every exemplar of a request the test traced
// must hold one of them.
//
// The package is for tests only; it is imported by the end-to-end tests
// (build tag e2e) of metrics and examples/service.
package prometheustest
