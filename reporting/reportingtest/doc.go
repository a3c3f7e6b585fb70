// Package reportingtest lets tests assert what code reports, as
// net/http/httptest does for HTTP.
//
// # Events in memory
//
// A [Recorder] is a real reporting.Reporter whose events are kept in
// memory instead of being sent to Sentry or written to an outbox:
//
//	rec := reportingtest.New(t)
//	h := rec.Reporter().Middleware(myHandler)
//	... serve a request that panics ...
//	events := rec.Events() // waits for the reporter to finish building them
//
// # A fake Sentry
//
// A [Server] is a fake Sentry on 127.0.0.1, for tests where the wire
// matters: the outbox, retries, rate limits, a service run as a separate
// process. It takes envelopes at /api/<project>/envelope/, checks the
// request's sentry_key against the project's (each [Server.DSN] has its
// own key; a wrong key is answered 401), undoes gzip, decodes the envelope
// with its own parser (not package reporting's, so the wire format is
// really checked) and records it under its project:
//
//	srv := reportingtest.NewServer()
//	defer srv.Close()
//	rep, _ := reporting.Setup(ctx, reporting.WithDSN(srv.DSN("1")), reporting.WithOutbox(t.TempDir(), 0))
//	... capture ...
//	evs, err := srv.WaitEvents(ctx, "1", 1)
//
// [Server.Envelopes] returns each envelope as a [Received]: its project,
// its header (with sent_at), its events both as sentry-go types and as the
// JSON that was sent, its attachments and the request's HTTP header.
//
// [Server.Set] changes how it answers, at any time, to reproduce what
// Sentry and the network do to a sender:
//
//	Up()               200, recorded
//	Down()             connection refused; back on the same port when set again
//	Hang()             reads the request, never answers (until the mode changes)
//	Slow(d)            answers as Up after d
//	Status(code, h)    429 with Retry-After, 401, 403, 500, rate limits...; nothing recorded
//	TooLarge(n)        413 for envelopes over n bytes, Up for the others
//
// [Server.Refused] lists the requests it refused on its own account (a
// wrong key, an unreadable envelope) and why. [Server.Requests] counts
// every request that reached it, answered or not,
// and [Server.Held] those hanging right now. Close releases them all and
// returns when every goroutine the server started has ended.
package reportingtest
