// Package checks has ready-made [health.Checker]s for common dependencies.
// Each takes the application's own client (an *http.Client, a *sql.DB, a
// *net.Resolver, a *net.Dialer), so that a check exercises the very pool
// and settings the application uses and never opens connections of its
// own, except [TCPDial], whose purpose is to dial. Each returns an
// errorsx error with code Unavailable (or FailedPrecondition for a
// threshold) and fields that say what was checked. Those that measure
// something are [health.Measurer]s, whose observation the health+json
// document shows: [Goroutines] the count, [HeapBytes] the heap size,
// [DiskFree] the free bytes, [HTTPGet] and [TCPDial] the dependency's
// response time ([ResponseTime]). [SQLPing] and [DNS] report none: the
// duration of the check's run is their latency.
//
//	reg.Register("db", checks.SQLPing(db), health.Every(5*time.Second))
//	reg.Register("payments", checks.HTTPGet(client, "http://payments/livez"))
//	reg.Register("goroutines", checks.Goroutines(10_000), health.For(health.Liveness))
package checks
