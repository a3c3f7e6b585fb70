// Package outbox is the durable store of Sentry envelopes that reporting
// writes before any network attempt, and the envelope codec.
//
// An event is encoded with [EncodeEvent] for its destination (the project
// of a DSN, named by [Destination] without the DSN's key), written with
// [Outbox.Write], and later claimed by a sender with [Outbox.Claim],
// which stamps it with [StampSentAt] and sends it; the sender then calls
// [Outbox.Done] when Sentry accepted it, [Outbox.Release] when the answer
// may be temporary, [Outbox.Replace] to trim it after a 413, or
// [Outbox.Reject] when Sentry will never accept it. A reader that must
// change nothing (a support engineer's tool, a copy of another host's
// outbox) uses [List] and [ReadFound] instead of Open.
//
// # Layout
//
// All in one directory per service ([DefaultDir]):
//
//	<dir>/<20-digit unixnano>-<event id>-<desttag>.envelope   pending
//	<dir>/.claimed/<owner>/<name>                             claimed by a live Outbox
//	<dir>/.owners/<owner>.lock                                that Outbox's lock
//	<dir>/rejected/<name>, <name>.reason                      rejected or quarantined
//
// Names sort oldest first. desttag is the first 8 hex digits of the
// SHA-256 of the destination, or "local" for "": Claim(dest) picks files
// by name and never sends an envelope to a project it was not captured
// for; it also checks the destination in the envelope's header before it
// returns it. Local envelopes are never claimed by a sender that names a
// project.
//
// Everything else is ignored and never counted: names that start with
// ".", directories (such as crashes/ of the crash monitor), files without
// the ".envelope" suffix. A ".envelope" file that is larger than
// MaxEnvelopeBytes, whose header does not parse or whose header names
// another destination than its name is quarantined when Open or Rescan
// finds it: moved to rejected/ with the reason, or removed when it would
// not fit there. So a stray file can never evict real envelopes. A
// well-formed envelope under another name (as the outbox of earlier
// versions wrote them) is renamed into this form.
//
// # Bounds and cost
//
// Pending envelopes are bounded by Options.MaxBytes in total and
// Options.MaxEnvelopeBytes each; writing evicts the oldest pending
// envelopes until the new one fits, so the newest are kept. rejected/ is
// bounded by Options.RejectedMaxBytes. Write costs the same with 10,000
// envelopes waiting as with none: the Outbox keeps running totals and an
// index of names and sizes in memory, and never reads the directory to
// write. The index and totals are per process (per Outbox): another
// process's writes are seen at Open and [Outbox.Rescan], which read the
// whole directory, so two processes sharing one directory may together
// exceed MaxBytes until one of them rescans.
//
// # Failures
//
// Each envelope is written to a temporary file and renamed into place:
// a crash never leaves half an envelope under an envelope's name. There
// is no fsync per write: on power loss (not on a process crash) the
// envelopes written in the last seconds before it may be lost or empty;
// an empty or torn file is quarantined at the next Open. When the disk is
// full, Write evicts the oldest envelope and tries again until the new
// one fits or nothing is left to evict. When the directory has been
// removed, Write recreates it.
//
// Claiming renames the file into the claimant's own area, so two
// processes never send the same file. Each Outbox holds an exclusive
// flock on its lock file for its lifetime; the kernel releases it when
// the process dies, even by SIGKILL. Open and Rescan move the claims of
// an owner whose lock can be taken back to pending (counted as
// Recovered), so nothing claimed by a crashed sender is lost; process
// IDs, which are reused in containers, play no part. On systems without
// flock the claims of a process that died without Close stay where they
// are until its lock file is removed. Close releases this Outbox's claims
// back to pending.
package outbox
