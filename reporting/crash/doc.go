// Package crash reports the crashes no recover can catch: an unrecovered
// panic in a goroutine the application did not wrap, "fatal error:
// concurrent map writes", a nil pointer dereference in a library's
// goroutine. The process dies; a small monitor process reads what the Go
// runtime printed and sends it to Sentry as a fatal event, or keeps it in
// the reporting outbox until the next start.
//
// # Starting the monitor
//
// Crash capture is opt-in: nothing happens unless main calls [Setup], and
// it should be the first thing main does, before any other work, because
// the monitor is the same program started again:
//
//	func main() {
//		mon, err := crash.Setup(ctx, crash.WithReporting(reportingOptions...))
//		if mon.IsMonitor() {
//			return // this process was the monitor; the application has exited
//		}
//		// ... set up logging; if err != nil, log that crashes will not be
//		// reported, and go on.
//		defer mon.Shutdown(context.Background()) // nil-safe: nothing if Setup failed
//	}
//
// # The module's convention
//
// As every supportkit package: a start function Setup(ctx, opts...)
// returning a value and an error, and (*Monitor).Shutdown(ctx), bounded by
// ctx and idempotent. Options are checked at start: the zero value of each
// is its documented default ([WithTimeout](0) is 15s), an out-of-range
// value is an errorsx error naming the option and the value, and nothing
// is started. [WithLogger](nil) means no log output; without WithLogger
// the monitor writes JSON lines to standard error, because it starts
// before the application has a logger. A nil *Monitor is safe to use.
//
// In the application, Setup re-executes the program's executable with the
// same arguments and environment, plus [MonitoredPIDVariable], as a child
// process whose standard input is a pipe, and points the runtime's crash
// output at that pipe with [runtime/debug.SetCrashOutput] (Go 1.23). The
// application is left as it was: it keeps its process ID, receives its
// signals, owns its standard input, output and error, prints its crashes
// on standard error as always and exits with the code it would have
// exited with (2 for a crash). This is the difference from wrappers such
// as panicwrap, which made the monitor the parent, so that signals meant
// for the application went to the wrapper, and which re-executed the
// program behind the caller's back.
//
// The monitor runs main only as far as Setup, which in that process does
// not return until the application has exited. It is in a process group
// of its own (so that a terminal's Ctrl-C reaches only the application),
// ignores SIGINT, SIGHUP and SIGTTOU, and ignores SIGTERM while the
// application is alive: it ends when the pipe does, that is when the
// application exits, for any reason, even SIGKILL. On Linux the kernel
// also signals it when its parent dies (PR_SET_PDEATHSIG), so that it
// stops waiting even if some other process inherited the pipe; the signal
// is SIGWINCH, ignored by default, because a SIGTERM or SIGKILL would kill
// a monitor that has not yet read the crash it is there to report. After a
// crash it lives only as long as the delivery takes ([WithTimeout],
// 15s by default). The application does not wait for it: a goroutine
// blocked in wait4 would keep the runtime from detecting a deadlock.
//
// # What is reported
//
// [Parse] reads the crash output: the panic values (with the
// "[recovered]" and "[recovered, repanicked]" marks and the panics raised
// by deferred calls of a panicking function), the fatal error, the
// "[signal ...]" line, and each goroutine with its state, its frames and
// its "created by" line, including the "goroutine N gp=... m=..." headers
// of GOTRACEBACK=system. [Report.Event] turns it into a Sentry event of
// level fatal: the crash is the exception, with the crashing goroutine's
// stack and an unhandled mechanism ([MechanismType]); earlier panics in
// flight are chained exceptions before it; every goroutine is a thread,
// the crashing one marked crashed and current (its stack is on the
// exception, which Sentry shows on that thread).
//
// Frames are in-app by the one rule of every supportkit event: package
// main and the main module's packages are the application's; the standard
// library, dependencies and supportkit are not. The rule reads function
// names, so a -trimpath build gets the same answer. The event is grouped
// by its kind and the first in-app function of the crashing goroutine
// (["panic", "main.explode"]), or, with none, by Sentry's own rules.
//
// The monitor adds what Sentry shows of every event, with the
// application's values: the contexts os (name), runtime (go, its version,
// go_maxprocs as the application had it at Setup, and go_numroutines,
// the goroutines of the dump, when the dump lists them all: a fatal error,
// or GOTRACEBACK=all), device (arch, num_cpu) and app (app_start_time,
// when the application called Setup; the binary's path, version,
// vcs.revision and vcs.modified), and the modules of the build
// information. What it does not know it leaves out; no value is null.
// The monitor is the same executable on the same machine, so the build
// information is the application's.
//
// The event is delivered by a [reporting.Reporter] set up from
// [WithReporting] (DSN, release, environment, outbox), with [WithTags]
// added: to Sentry when it can be reached, to the outbox
// otherwise, which the application's own reporter sends at its next start.
// The monitor then writes one line, with the event ID and where the event
// went, to the shared standard error.
//
// # What a fatal crash can and cannot carry
//
// A fatal crash ends the process at once: nothing in it runs again, so
// what the process held in memory is gone with it. The crash event
// carries what the runtime printed on its way out, read from outside the
// process:
//
//   - the exception: the panic value or fatal error (scrubbed as any
//     event) and the crashing goroutine's stack;
//   - the other goroutines as threads, when GOTRACEBACK says to print
//     them (GOTRACEBACK=all);
//   - the attachment goroutines-crash.txt ([DumpFilename], text/plain):
//     the goroutine dump as the runtime printed it, from its first
//     "goroutine N [...]:" line on (up to 8 MiB of output), with each
//     goroutine's state, wait time, stack and argument words. The lines
//     before it, the panic value among them, are left out of the file:
//     they can hold request data, and the event carries them scrubbed.
//
// It cannot carry what only the process could have given: no execution
// trace window, no heap or goroutine profile (supportkit's flight
// recorder, package flightrec, takes those for panics that are recovered,
// failed and slow requests and readiness turning to fail, not for a
// crash; a snapshot an earlier trigger took may be in Sentry already and
// tell what led to the crash), no request, user or breadcrumbs (unless
// the panic was reported in-process first, see below), and no local
// variables. When the application reported the panic itself before
// crashing (below), the monitor sends nothing and the dump is not
// attached: the in-process event has the stack of the goroutine that
// panicked.
//
// # One failure, one event
//
// A panic in a goroutine started with [reporting.Go] and
// [reporting.RePanic] is reported by the application itself (the event,
// with the goroutine's request and breadcrumbs, is in the outbox before
// the panic resumes) and then crashes the process. The monitor reads that
// crash ("[recovered, repanicked]"), finds the application's event by its
// mark ([reporting.RePanicContext]: the process ID and the panic value)
// among the envelopes the outbox received in the 30 seconds before the
// crash, pending or claimed by the dead process's sender, and sends no
// event of its own: it logs "already reported in-process as <event ID>"
// and makes one attempt to send the outbox. If the application's sender
// had delivered and removed its event in the instant before the crash,
// or the scrubber changed the marked value, the crash is reported twice,
// never lost.
//
// # A monitor killed with its application
//
// In a container with an init (docker run --init, tini), the init exits
// when the application does, and the kernel kills every other process of
// the PID namespace at once, the monitor included: a monitor that read
// the crash from a pipe was killed before it had read a byte. So the crash
// does not travel through a pipe when it can be written to disk: Setup
// creates a raw crash file, one per run,
//
//	<outbox dir>/crashes/<unix ns>-<application PID>-<event ID>.crash
//
// points the runtime's crash output at it (the runtime writes the whole
// crash there before the process exits), and hands it to the monitor,
// under an exclusive flock held as long as the application or the monitor
// lives. The monitor's standard input is then only a lifeline: its end
// says the application is gone. A monitor that lives reads the file,
// reports the crash as above, and removes the file once the event is sent
// or in the outbox; a run without a crash removes its empty file.
//
// Every monitor, as it starts, claims the raw files whose lock is free
// (their application and monitor are dead; process IDs are not trusted,
// they repeat in containers) and reports each in the background as it
// would have, under the event ID in its name (Sentry drops the duplicate
// if the dead monitor had sent it) and with the file's modification time
// as the time of the crash; then it removes the file. It is the monitor,
// not the application, that does this, so that the application's start
// does no extra work and a slow Sentry delays nobody; the crash is
// therefore reported at the next start with the monitor on. Bounds: the
// first 8 MiB of a file are read and the file is cut there; at most 16
// files wait (the oldest beyond are removed); empty and unfinished files
// are removed; each removal is logged. A file whose event cannot be
// delivered nor kept in the outbox stays for the next start.
//
// Without a usable outbox directory (a read-only disk, [reporting.WithTransport])
// the crash goes through the pipe to the monitor as before, and the
// monitor logs that a crash is lost if it is killed before delivering.
//
// By default the runtime prints only the crashing goroutine; run the
// program with GOTRACEBACK=all (or call [runtime/debug.SetTraceback]) to
// have every goroutine in the report, knowing that standard error gets
// them too.
//
// # Limits
//
//   - Go writes the "fatal error: ..." line to standard error only, not to
//     the crash output (golang/go#76859). For a fatal error the monitor
//     receives the goroutines alone; Parse then infers the error from the
//     stack ("concurrent map access", "all goroutines are asleep -
//     deadlock!") and says so in [Report.Notes]. A fatal error that prints
//     no goroutine ("no goroutines (main called runtime.Goexit) -
//     deadlock!") leaves nothing to report.
//   - An application that is PID 1 of a PID namespace (a container without
//     an init) takes every other process of the namespace with it when it
//     exits, the monitor included: Setup refuses to start there and
//     returns a nil [Monitor] (whose methods do nothing) with the error.
//     Run the container with an init (docker run --init, tini); its crash
//     is then reported at the next start, as described above.
//   - A process killed by a signal the runtime does not handle (SIGKILL,
//     the OOM killer) prints nothing, so there is nothing to report.
//   - The runtime writes the crash to the raw crash file only: on a disk
//     that has filled up since the start, the crash is on standard error
//     alone. A crash recovered at a later start carries that start's
//     release, environment and tags.
//   - The monitor is a second process of the same program: a few
//     megabytes of memory while it waits, and no CPU.
package crash
