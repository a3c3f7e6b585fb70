// Package health answers the probes of load balancers and orchestrators
// (HAProxy, Envoy, AWS ALB, Kubernetes) at once, whatever the state of the
// dependencies it checks, and drains the process gracefully on shutdown.
//
//	reg, err := health.Setup(ctx,
//		health.WithLogger(log),
//		health.WithCheck("db", health.CheckFunc(db.PingContext), health.Every(5*time.Second)),
//	)
//	if err != nil {
//		return err // an option out of range or a bad check, named in the error
//	}
//	reg.Handle(mux) // /livez /readyz /startupz /healthz
//	...
//	err = reg.Drain(ctx, srv) // on SIGTERM; or reg.Shutdown(ctx) without a server
//
// # Convention
//
// The package follows the module's convention. [Setup] takes a context
// and options and returns the [Registry] with its checks running, or an
// error; [Registry.Shutdown] stops them, bounded by its context, and may
// be called more than once. Setup validates every option: a zero value
// means the documented default (Every(0) is [DefaultInterval], Timeout(0)
// [DefaultTimeout], For(0) [Readiness], WithJitter(0) [DefaultJitter],
// WithDrainDelay(0) [DefaultDrainDelay]); a value out of range (a negative
// duration, a jitter outside [0, 1), unknown probe bits) is an
// errorsx.InvalidArgument error whose fields name the option and the
// value, and Setup then starts nothing. Nil means none: WithLogger(nil)
// logs nothing, WithDetails(nil) shows details to nobody,
// WithListener(nil) adds no listener. Where "none" differs from the
// default it has an option of its own ([WithoutDrainDelay]), so that a
// value a configuration leaves unset never turns a safeguard off. One zero
// is not the default, on purpose: WithService(health.Service{}) shows no
// service fields, because a [Service] is shown field by field as given and
// hiding them must stay expressible; its zero errs on the side of showing
// less. The HTTP middleware, [Registry.HAProxyCheck], has the shape
// func(http.Handler) http.Handler.
//
// # Checks run in the background; probes read a snapshot
//
// A [Checker] is registered in a [Registry] with its interval, timeout,
// probes and criticality ([WithCheck] at Setup, or [Registry.Register]
// later). Each check runs on its own goroutine: at once, then every interval with
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
//
// Handle mounts nothing else: the application's other paths, "/"
// included, answer as its own handlers say. HAProxy's plain "option
// httpchk" sends OPTIONS /; name the probe instead ("option httpchk GET
// /readyz"), or wrap the server's handler in [Registry.HAProxyCheck].
//
// Every answer carries Cache-Control: no-store. The default body is one
// word, "pass\n", "warn\n" or "fail\n". Whatever the query, an answer
// stays small: at most ten unknown names of ?exclude= are quoted, each cut
// to 64 bytes, and a check's error text is cut to 1 KiB.
//
// # The health+json document
//
// The JSON document follows the health+json draft
// (draft-inadarei-api-health-check): the status; the service's version,
// releaseId, serviceId and description ([WithService], by default from the
// build information, [ServiceFromBuild]); notes; and the checks, keyed
// "component:measurement", each an array of one object. Every check has
// "<check>:checkDuration", how long its last run took; a [Measurer] adds
// "<check>:<measurement>" with what it measured (a goroutine count, the
// free bytes of a disk, the latency of a dependency). Each object has the
// check's status, the time its last run ended, the observed value and
// unit, the componentType of [Describe], and, only for requests that
// [WithDetails] authorizes, its output (the error text with its fields,
// secrets redacted), affectedEndpoints (while it does not pass) and links:
//
//	{
//	  "status": "fail",
//	  "version": "1",
//	  "releaseId": "1.4.2",
//	  "serviceId": "example.com/shop",
//	  "notes": ["unknown check in exclude: cahce"],
//	  "checks": {
//	    "db:checkDuration": [{
//	      "componentType": "datastore",
//	      "observedValue": 1.5,
//	      "observedUnit": "ms",
//	      "status": "fail",
//	      "affectedEndpoints": ["/orders/{id}"],
//	      "time": "2026-11-24T05:00:00.0015Z",
//	      "output": "sql ping: connection refused (addr=db:5432)",
//	      "links": {"runbook": "https://runbooks.example.com/db"}
//	    }],
//	    "goroutines:checkDuration": [{"componentType": "system", "observedValue": 0.01, "observedUnit": "ms", "status": "pass", "time": "2026-11-24T05:00:00Z"}],
//	    "goroutines:count": [{"componentType": "system", "observedValue": 42, "observedUnit": "goroutines", "status": "pass", "time": "2026-11-24T05:00:00Z"}]
//	  }
//	}
//
// Where it differs from the draft, and why:
//
//   - Each key holds one object, never one per instance (no componentId):
//     a check is one call from this process.
//   - "checkDuration" is not one of the draft's measurement names: the
//     run of a check is not always the dependency's responseTime (a
//     checker that measures latency reports that itself).
//   - output, affectedEndpoints and links are for authorized callers only:
//     they describe the inside of the system. The reason of every failure
//     is always in the log line ([WithLogger]) that records each change.
//   - notes carry the unknown names of ?exclude= and "draining"; the
//     draft's top-level output is not used.
//   - warn is answered with 200, as the draft allows, because AWS ALB
//     accepts only 200 by default; fail with 503 (or 404 while draining,
//     [WithDrainNotFound]).
//   - serviceId, version and releaseId are shown to every caller; hide
//     them with WithService(health.Service{}).
//
// # Drain
//
// On SIGTERM call [Registry.Drain]: readiness fails at once (503, or 404
// for HAProxy's "http-check disable-on-404" with [WithDrainNotFound]) while
// liveness keeps passing, the drain delay lets load balancers notice, then
// the http.Server shuts down gracefully and the checks stop
// ([Registry.Shutdown]).
//
// # Observing
//
// Each change of a check's status is one log line ([WithLogger]): info
// when it passes, warn when it fails (the state of a dependency, not a bug
// of the service), with the fields check, from ("pending" for a first
// result), to, probes, critical, duration, and, for a failure, reason (the
// error's text and fields on one line, secrets redacted: what a zap core
// that makes breadcrumbs of warn lines keeps) and error (the structured
// error, [errorsx.Zap]). [WithListener] is called for each change, on a
// goroutine of its own. [Registry.Snapshot] gives every [Result] with its
// counters (runs, failures, timeouts, panics, stuck) and last duration, to
// export as metrics. Package health/checks has ready-made checkers; package
// health/grpchealth serves the same registry as grpc.health.v1.
package health
