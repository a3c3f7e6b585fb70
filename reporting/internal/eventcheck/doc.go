// Package eventcheck tells whether a Sentry event, as it goes on the wire,
// is one that Sentry's ingestion (Relay) takes as it is: every field of the
// right JSON type, no null, no key Relay does not know, and inside the
// limits Relay enforces.
//
// The checks are our own, written from Sentry's event schema
// (relay/event.schema.json of getsentry/sentry-data-schemas; each check
// names the schema definition it comes from) and from Relay's documented
// normalisation limits. The schema itself is not kept in this repository;
// [CheckAgainstSchema] validates against a copy given by path, for the
// test that runs when one is present.
//
// Two things are stricter than the schema, because the schema permits what
// Sentry's UI then shows badly: null is reported wherever it appears
// (Relay drops the field and records an error), and an exception's
// thread_id must have the same JSON type as the id of a thread, or the
// crashed thread is shown without its stack.
//
// Two things are looser than the schema, because Relay accepts them and
// sentry-go sends them: exception, threads and breadcrumbs may be bare
// arrays instead of {"values": [...]}, and "message" may be a top-level
// string (Relay's legacy alias of logentry.formatted). [Canonical] rewrites
// an event into the schema's form the way Relay does.
package eventcheck
