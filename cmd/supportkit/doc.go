// Command supportkit reads what a service recorded in its outbox and
// turns it into an incident report.
//
// Usage:
//
//	supportkit ls     [-outbox DIR | -service NAME] [-since T] [-until T] [-level L] [-route R] [-release V] [-json]
//	supportkit show   [-outbox DIR | -service NAME] [-json] [-save DIR] ID
//	supportkit report [-outbox DIR | -service NAME] [-since T] [-until T] [-level L] [-route R] [-release V] [-top N] [-now T]
//	supportkit send   [-outbox DIR | -service NAME] -dsn DSN [-timeout D]
//
// ls lists the events grouped as Sentry groups them, one line per group:
// count, first and last seen, level, title, routes, releases; then the
// crashes whose raw output the crash monitor kept in crashes/ but has not
// reported yet.
//
// show prints one event as a person reads it: title, time, release,
// environment, the exception chain with the application's frames marked,
// the request (as captured, already scrubbed), breadcrumbs, tags,
// contexts, the trace and span IDs, and attachments with the command that
// opens each (go tool trace, go tool pprof; -save DIR writes them out).
// ID is an event ID, a reference ID that a user quoted from a
// problem+json answer (the event ID when the failure was reported, else
// the trace ID), or a trace ID, which shows every event of the trace.
//
// report writes a Markdown incident report draft: summary, timeline,
// impact by route, code and release, the top groups with a stack and a
// sample request, the trace IDs to look up, and sections for the engineer
// to complete (cause, steps taken, prevention). The same input and -now
// give the same report.
//
// send delivers the outbox's envelopes for the DSN's project to Sentry
// with package reporting's own rules: only the envelopes captured for
// that project, each claimed before it is sent and kept when Sentry does
// not accept it. It waits until they are gone or -timeout passes, then
// says what was sent, what is left and why. Envelopes captured without a
// DSN (local) name no project and are never sent. The DSN holds the
// project's key: give it in SENTRY_DSN rather than -dsn to keep it out of
// the process list; the command never prints it.
//
// # The outbox
//
// -outbox DIR names the directory, or -service NAME the default outbox
// of a service (os.UserCacheDir()/supportkit/outbox/NAME, NAME being the
// service's executable name); without either, SUPPORTKIT_OUTBOX, as the
// example service reads it. ls, show and report only read: they work on a
// directory they may not write, never claim, move or create a file, and
// may run beside the live service. Files that are not envelopes, and
// envelopes that do not parse, are skipped, counted and named on stderr.
//
// # Grouping
//
// An event with a fingerprint (supportkit sets one when it knows where a
// failure comes from) is grouped by it. Otherwise, as Sentry does, by the
// type of the main exception and its innermost frame marked in_app (the
// application's own code), or, without one, the type and the value; an
// event without exception by its message, with numbers and hex IDs
// replaced.
//
// # Times
//
// -since and -until take a duration back from now (2h) or an RFC 3339
// time; -now fixes "now" (for reproducible reports). Times are printed in
// UTC.
//
// # Exit status
//
// 0 when done, 1 when the command failed (a missing or unreadable outbox,
// an unknown ID, envelopes left unsent by send), 2 for a usage mistake.
package main
