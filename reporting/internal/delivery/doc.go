// Package delivery takes Sentry envelopes from the reporter (and the crash
// monitor), keeps them durable, and delivers them to the one Sentry
// project they were captured for.
//
// # The promise
//
// [Pipeline.Put] writes an envelope to the outbox before anything touches
// the network; only when the outbox cannot take it (a read-only or full
// file system, no outbox at all) does it wait in a bounded memory buffer,
// counted. A goroutine of its own claims envelopes from the outbox (an
// atomic rename, so two processes never send the same file), sends each
// to the project of the pipeline's DSN only, and removes it when Sentry
// has accepted it. What an answer means:
//
//	2xx                        delivered: removed
//	network error, 408, 5xx    kept; backoff from RetryMin doubling to RetryMax
//	429                        kept; Retry-After or X-Sentry-Rate-Limits honoured
//	401, 403, 404              kept; backoff; logged at error level: a rotated
//	                           key or a misrouted ingress must not wipe the outbox
//	413                        made smaller ([Shrink]) and sent again; rejected
//	                           if it cannot be made smaller
//	400, other 4xx             set aside in the outbox's rejected/ area with the
//	                           reason (bounded), never retried
//
// A streak of failures is logged once when it starts (and again only when
// its kind changes) and once, with the count, when delivery recovers.
//
// # Duplicates
//
// An envelope is removed only after Sentry answered 2xx. If the process is
// killed between that answer and the removal, the claim is recovered by the
// next process and the envelope is sent again: at most one duplicate per
// kill, and Sentry drops it, because it deduplicates events by event_id
// within a project.
//
// # Deadlines
//
// [Pipeline.Shutdown] makes a last attempt and returns by its context's
// deadline, aborting a send in flight; the envelope it was sending goes
// back to the outbox.
package delivery
