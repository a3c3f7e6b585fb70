// Package health answers the probes of load balancers and orchestrators
// (HAProxy, Envoy, AWS ALB, Kubernetes) at once, whatever the state of the
// dependencies it checks, and drains the process gracefully on shutdown.
//
// # Checks run in the background; probes read a snapshot
//
// A [Checker] is registered in a [Registry] with its interval, timeout,
// probes and criticality ([Registry.Register]). After [Registry.Start] each
// check runs on its own goroutine: at once, then every interval with
// jitter, at most one run at a time, each run under a context that ends at
// its timeout. Results are published as an immutable [Snapshot] behind an
// atomic pointer; a probe does one atomic load, never waits for a check and
// never takes a lock that a check holds. So a probe costs about as much as
// a handler that writes "ok", and a dependency that takes 2 s to answer
// costs one call per interval, not one per poll.
//
// A check that ignores its context is reported as stuck (fail) once its
// timeout has passed; it keeps its one goroutine until it returns, and is
// not started again meanwhile. A panicking check fails with the panic value
// and the stack in its error; the process keeps running.
//
// # Probes and statuses
//
// Liveness ("restart me"), readiness ("send me traffic") and startup
// ("I have started") are separate sets of checks ([For]). A check that has
// not run yet fails readiness and startup but not liveness; startup, once
// passed, stays passed. A failing check fails its probes, unless it is
// [NonCritical]: then they warn. [Registry.Handle] serves them the way
// Kubernetes does:
//
//	/livez  /readyz  /startupz     200 pass or warn, 503 fail
//	/healthz                       liveness and readiness together
//	/readyz/db                     one check
//	?exclude=db,cache              leave checks out (unknown names are noted)
//	?verbose, Accept: application/health+json   the JSON document
//	OPTIONS /                      readiness, for HAProxy's plain "option httpchk"
//
// Every answer carries Cache-Control: no-store. The default body is one
// word, "pass\n", "warn\n" or "fail\n". The JSON document follows the
// health+json draft (draft-inadarei-api-health-check): the status, notes,
// and the checks keyed by name, each an array of one object with its
// status, the time its last run ended, its duration as observedValue in
// ms, and its output:
//
//	{
//	  "status": "fail",
//	  "notes": ["unknown check in exclude: cahce"],
//	  "checks": {
//	    "db": [{
//	      "status": "fail",
//	      "time": "2026-11-24T05:00:00.123Z",
//	      "observedValue": 1.5,
//	      "observedUnit": "ms",
//	      "output": "sql ping: connection refused (addr=db:5432)"
//	    }]
//	  }
//	}
//
// "output", the error text with its fields (secrets redacted), appears
// only for requests that [WithDetails] authorizes; everyone else gets the
// statuses. The reason is always in the log line ([WithLogger]) that
// records each change of status.
//
// # Drain
//
// On SIGTERM call [Registry.Drain]: readiness fails at once (503, or 404
// for HAProxy's "http-check disable-on-404" with [WithDrainNotFound]) while
// liveness keeps passing, the drain delay lets load balancers notice, then
// the http.Server shuts down gracefully and the checks stop.
//
// # Observing
//
// [WithListener] is called for each change of a check's status, on a
// goroutine of its own. [Registry.Snapshot] gives every [Result] with its
// counters (runs, failures, timeouts, panics, stuck) and last duration, to
// export as metrics. Package health/checks has ready-made checkers; package
// health/grpchealth serves the same registry as grpc.health.v1.
package health
