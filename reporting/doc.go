// Package reporting sends crash reports with context to Sentry, and loses
// none of them.
//
// # Set-up
//
// [Setup] makes a [Reporter] from options and the standard variables
// SENTRY_DSN, SENTRY_ENVIRONMENT and SENTRY_RELEASE; [Reporter.Shutdown]
// flushes within the caller's deadline and stops it. Nothing happens at
// import time.
//
// The release is [WithRelease], else SENTRY_RELEASE, else derived from the
// binary's build information as "<name>@<version>": name is the last
// element of the main module's path (Sentry rejects "/" in a release),
// version the module's version ("go install example.com/x@v1.4.0" gives
// "x@v1.4.0") or, for a development build, the first 12 hex digits of the
// VCS revision with "-dirty" when the tree was modified. When none of
// these is known, events carry no release: a made-up one would merge
// unrelated builds. A given release that Sentry would reject (a "/",
// newline or tab, "." or "..", "latest", more than 200 characters) is an
// error from Setup naming the option or variable. sentry-go never runs
// git to guess one.
//
//	rep, err := reporting.Setup(ctx, reporting.WithLogger(log))
//	if err != nil { ... }            // malformed DSN, an out-of-range option
//	defer rep.Shutdown(ctx)
//	log = log.WithOptions(zap.WrapCore(rep.WrapCore))   // zap, or
//	slogger := slog.New(rep.SlogHandler(jsonHandler))  // log/slog
//	handler = rep.Middleware(handler)
//
// # The module's convention
//
// As every supportkit package: a start function Setup(ctx, opts...)
// returning a value and an error, and [Reporter.Shutdown](ctx), bounded
// by ctx and idempotent. Options are checked at start: the zero value of
// each is its documented default (WithQueueSize(0) is 1000,
// WithRetry(0, 0) is 1s to 1m, WithStormLimit(0, 0) is 1/s with a burst
// of 10, WithSendTimeout(0) is 10s, WithOutbox("", 0) is the default
// directory and 16 MiB, the zero Scrubbing the default rules), an
// out-of-range value is an errorsx InvalidArgument error naming the
// option and the value (never a secret), and nothing is started. A nil
// logger means no log output, as does no WithLogger at all. Middleware
// has the shape func(http.Handler) http.Handler ([Reporter.Middleware]).
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
// the breadcrumbs of the request and the trace context of its span; it
// returns "" for an occurrence storm control holds back (see Storms). The
// zap core of [Reporter.WrapCore] and the log/slog handler of
// [Reporter.SlogHandler] turn a request's log lines into breadcrumbs and
// error lines into events, and put the event ID in the log line; both
// dedupe with Capture the same way.
//
// The middleware hands next a copy of the request; the route the
// http.ServeMux sets on it (Pattern) is copied back onto the request the
// middleware received once next returns or panics, so that an outer
// tracing or metrics middleware names the request by its route.
//
// The caller never waits for the network: it gathers program counters and
// a copy of the request (method, host, path, query, headers, capped), and
// the reporter's one goroutine reads the scope (under its lock), builds,
// scrubs, encodes and delivers the event. Scrubbing writes new values and
// never touches the scope's breadcrumbs or the caller's maps. A panic after
// the response has started is reported and the connection aborted rather
// than a second response written.
//
// # How an event reads in Sentry
//
// Frames are in-app by one rule (package main, the main module's
// packages and [WithInAppPrefixes]; never the standard library,
// dependencies or supportkit's own middleware), with or without
// -trimpath. The fingerprint names the first in-app frame from where the
// failure happened: ["panic", function] (plus the runtime's text, numbers
// replaced, for a runtime error such as a nil-map write), [code,
// function] for an error with a stack of its own. An error without one (a
// plain error from the standard library or a dependency) gets no custom
// fingerprint, is titled by its Go type ("*fs.PathError"), and Sentry
// groups it by type and stack. A log line without an error groups by
// where it was logged and its message with numbers, hex values and UUIDs
// replaced: ["log", function, "payment <n> declined"].
//
// The transaction is the route the http.ServeMux matched, named as the
// tracing middleware names the span ("GET /orders/{id}"; the method alone
// when no route matched); the URL is in request.url. The tag http.status
// is the status the client received, present only when a response was
// written (a panic answered by the middleware: 500). Every event carries
// the contexts os, runtime (Go version, GOMAXPROCS, goroutines when
// captured), device (architecture, CPUs) and app (start time, main
// module, VCS revision, time and dirty flag, Go version), the modules of
// the build, and the SDK "supportkit.go" with its version (sentry-go is
// listed among its packages).
//
// Without OpenTelemetry, each request is a trace of its own: the trace ID
// of its sentry-trace or traceparent header when valid, else a random one
// made when first needed. A goroutine started with [Go] is part of its
// request's work and shares its trace; one started outside any request
// gets its own. With a span in the context, its trace wins.
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
// A token bucket per storm key (code and the frame where the error
// started, or where the line was logged) lets a few events through and counts the rest; the count rides
// on the next event of that fingerprint as the context "storm". A failure
// that is both captured and logged counts once. The queue
// between callers and the reporter's goroutine is bounded and drops its
// oldest event when full. [Reporter.Stats] reads the counters.
//
// # The outbox
//
// Every event is written to the outbox (package outbox: one Sentry
// envelope per file, in a directory of its own per service, bounded in
// size) before anything touches the network; a goroutine of its own
// (reporting/internal/delivery) claims the files and sends each only to
// the Sentry project it was captured for, and removes it only once Sentry
// has accepted it. 401, 403, 404, 429, 5xx and network errors keep the
// event and back off; 413 makes it smaller; 400 sets it aside in the
// outbox's rejected/ area. A streak of failures is logged when it starts
// and when it ends. Without a DSN the outbox keeps the events for people
// and tools to read; Shutdown summarises it in one log line. When the
// outbox cannot be used, Setup still succeeds: with a DSN the events wait
// in a bounded memory buffer, without one they are counted as dropped.
// [Stats].Replayed counts the events sent that this reporter did not
// capture: those an earlier run, a crash monitor or another process left
// in the outbox.
//
// # Attachments
//
// An event may carry files ([Attachments]): a flight recorder's snapshot
// for a recovered panic ([WithSnapshots]), for an error or a message
// captured with [Reporter.CaptureWith] or [Reporter.CaptureMessage], the
// goroutine dump of a fatal crash (package crash). They go in the event's
// envelope as items of type attachment, with filename and content_type,
// as sentry-go writes them; they are kept with the event in the outbox
// and delivered with it. One envelope may take a quarter of the outbox's
// bound (1 MiB at least, 100 MiB at most: Sentry's limit), so that one
// snapshot never evicts the backlog. The event is never dropped for its
// files: those that do not fit are left out, in order, and the event's
// context "attachments" names them and says why; a 413 from Sentry
// leaves them all out before the event itself is cut. Files get no
// scrubbing: what goes in them is the caller's to choose.
//
// # Tests
//
// Package reportingtest captures events in memory (New) so that tests can
// assert what code reports, and runs a fake Sentry (NewServer) for tests
// that need the wire: up, down, hanging, slow, or answering any status.
package reporting
