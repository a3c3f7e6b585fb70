// Package reporting sends crash reports with context to Sentry, and loses
// none of them.
//
// # Set-up
//
// [Setup] makes a [Reporter] from options and the standard variables
// SENTRY_DSN, SENTRY_ENVIRONMENT and SENTRY_RELEASE; [Reporter.Shutdown]
// flushes within the caller's deadline and stops it. The release is always
// set (option, variable, the binary's VCS revision, or "unknown"), so
// sentry-go never runs git. Nothing happens at import time.
//
//	rep, err := reporting.Setup(reporting.WithLogger(log))
//	if err != nil { ... }            // malformed DSN, unwritable outbox
//	defer rep.Shutdown(ctx)
//	log = log.WithOptions(zap.WrapCore(rep.WrapCore))
//	handler = rep.Middleware(handler)
//
// # What is reported
//
// [Reporter.Middleware] gives each request its own sentry hub (created only
// when used), recovers panics of any value with the panic site's stack,
// reports them with the scrubbed request, marks the active OpenTelemetry
// span as failed and answers 500 problem+json with the event ID as the
// reference ID. [Go] runs a goroutine with a hub of its own and reports its
// panic. [Capture] reports an error: one exception per layer that has a
// stack, titled by its errorsx code, with the fields, the user, the tags,
// the breadcrumbs of the request and the trace context of its span. The
// zap core of [Reporter.WrapCore] turns a request's log entries into
// breadcrumbs and error entries into events, and puts the event ID in the
// log line.
//
// The caller never waits for the network: it gathers program counters and
// a copy of the request (method, host, path, query, headers, capped), and
// the reporter's one goroutine reads the scope (under its lock), builds,
// scrubs, encodes and delivers the event. Scrubbing writes new values and
// never touches the scope's breadcrumbs or the caller's maps. A panic after
// the response has started is reported and the connection aborted rather
// than a second response written.
//
// # Scrubbing
//
// Before an event leaves the process, [DefaultScrubbing] removes
// credentials, cookies, client addresses, the referer and baggage,
// signature and key headers, query-string values and values of
// secret-looking keys; any text that looks like a JSON Web Token, a DSN,
// bearer credentials or an API key; and header values, path segments
// (also in the transaction) and query keys shaped like tokens. It bounds
// sizes (1 KiB a header value, 8 KiB a message or field); request bodies
// are never read. [WithScrubbing] changes the rules, [WithBeforeSend] sees
// each event last.
//
// # Storms
//
// A token bucket per fingerprint (code and the frame where the error
// started) lets a few events through and counts the rest; the count rides
// on the next event of that fingerprint as the context "storm". A failure
// that is both captured and logged counts once. The queue
// between callers and the reporter's goroutine is bounded and drops its
// oldest event when full. [Reporter.Stats] reads the counters.
//
// # The outbox
//
// Without a DSN every event is written to the outbox, a directory of
// Sentry envelopes, one file per event, bounded in total size with the
// oldest evicted first (see [Outbox]); Shutdown summarises it in one log
// line. With a DSN, an event that cannot be delivered (connection refused,
// timeout, 5xx, 429) goes to the same outbox and is retried with backoff,
// honouring Retry-After and X-Sentry-Rate-Limits; an outbox left by an
// earlier process is sent at the next start. Other writers (the crash
// monitor) use [OpenOutbox] and [EncodeEvent] to leave envelopes there.
//
// # Tests
//
// Package reportingtest captures events in memory so that tests can assert
// what code reports.
package reporting
