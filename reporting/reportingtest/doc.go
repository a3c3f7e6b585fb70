// Package reportingtest lets tests assert what code reports, as
// net/http/httptest does for HTTP: a [Recorder] is a real
// reporting.Reporter whose events are kept in memory instead of being sent
// to Sentry or written to an outbox.
//
//	rec := reportingtest.New(t)
//	h := rec.Reporter().Middleware(myHandler)
//	... serve a request that panics ...
//	events := rec.Events() // waits for the reporter to finish building them
package reportingtest
