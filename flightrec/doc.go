// Package flightrec keeps the last seconds of a process's execution in
// memory and, when something goes wrong, hands them over as files a
// support engineer can open: the execution trace window, every goroutine's
// stack, and the goroutine and heap profiles.
//
// A stack trace says where a failure surfaced, not why a request was slow
// or what the process was doing just before a panic; by the time anyone
// looks, that evidence is gone. Go's runtime/trace.FlightRecorder keeps a
// moving window of execution trace at a cost of a few percent; this
// package runs one for the life of the process, decides when a snapshot
// is worth taking, bounds what it costs, and gives the result the shape of
// Sentry attachments.
//
// It imports the standard library and errorsx only. reporting, the
// middleware and the root package supportkit meet it through small
// interfaces (see "Handing snapshots to a reporter").
//
// # Setting up
//
// Like every supportkit package: [Setup](ctx, opts...) starts a
// [*Recorder] and [Recorder.Shutdown](ctx) stops it, bounded by ctx and
// safe to call more than once. Options are validated at Setup: a zero value
// means the documented default, a negative or out-of-range one is an
// errorsx.InvalidArgument error naming the option and the value, and a nil
// logger (the default) means no log output. The defaults:
//
//	WithMinAge          10 s     how far back the trace window reaches
//	WithMaxBytes        16 MiB   the size it aims at (at most 32 MiB)
//	WithRateLimit       5 min    between two snapshots of one kind
//	WithSlowThreshold   2 s      above it a request is slow
//	WithRouteThreshold  -        a route's own threshold
//	WithLogger          nil      a *slog.Logger; nil logs nothing
//
// Go allows one flight recorder per process. When another part of the
// program holds it, Setup logs a warning and the recorder carries on
// without an execution trace; each snapshot's summary says so. A nil
// *Recorder is a recorder that is off, so middleware can hold one whether
// or not the application opted in.
//
// # Triggers
//
// [Recorder.Trigger](kind, reason) takes a snapshot. The kinds are
// [KindPanic] (a recovered, reported panic), [KindError5xx] (a handled
// error answered with a 5xx and reported), [KindSlow] (a request slower
// than its threshold, which the cheap [Recorder.Slow] check tells on
// every request), [KindReadiness] (readiness turning to fail) and
// [KindManual]. Each kind has its own rate limit, and only one snapshot is
// taken at a time: a trigger that comes too soon, or while another
// snapshot is being taken, returns nil at once and is counted
// ([Recorder.Stats]), so that a storm of panics or slow requests costs a
// try-lock per trigger and never queues snapshot work.
//
// A snapshot takes a few to some tens of milliseconds on the caller's
// goroutine (copying the trace window, two brief stops of the world for
// the goroutine dump and profile, building the heap profile; more with
// many goroutines).
//
// # Requests in the trace
//
// [Recorder.StartRequest](ctx, route, traceID) opens a runtime/trace task
// per request, named by its route and with its trace ID logged in it
// (category "trace_id"), so that `go tool trace` shows the slow request's
// goroutines and regions: open the trace, choose "User-defined tasks", the
// route, and the task whose log reads the trace ID the report names. When
// the recorder is not tracing, StartRequest returns the context unchanged
// without allocating.
//
// # What a snapshot holds, and how to open it
//
// The attachments, with <ts> the snapshot's UTC time as 20060102T150405Z,
// each bounded so that a snapshot with the largest window fits the 100 MB
// of attachments Sentry accepts per event:
//
//	file                   bound                 open with
//	snapshot-<ts>.txt      a few hundred bytes   any text viewer (Sentry shows it)
//	trace-<ts>.out         2 × WithMaxBytes      go tool trace trace-<ts>.out
//	goroutines-<ts>.txt    4 MiB, then cut       any text viewer (Sentry shows it)
//	goroutines-<ts>.pb.gz  4 MiB, else left out  go tool pprof goroutines-<ts>.pb.gz
//	heap-<ts>.pb.gz        8 MiB, else left out  go tool pprof heap-<ts>.pb.gz
//
// snapshot-<ts>.txt is the index: what triggered the snapshot, the Go
// version and goroutine count, the files with their sizes and how to open
// each, and notes on any part left out or cut, for example:
//
//	flight recorder snapshot
//
//	kind:    slow
//	reason:  GET /orders/{id} took 2.4s
//	time:    2026-11-30T07:39:07.759965293Z
//	go:      go1.26.8 linux/amd64, GOMAXPROCS 2, 3 goroutines
//	window:  min age 10s, max bytes 16777216
//
//	files:
//	  trace-20261130T073907Z.out         6958 bytes  go tool trace trace-20261130T073907Z.out
//	  goroutines-20261130T073907Z.txt    2033 bytes  text, as a Go crash prints goroutines
//	  goroutines-20261130T073907Z.pb.gz  1406 bytes  go tool pprof goroutines-20261130T073907Z.pb.gz
//	  heap-20261130T073907Z.pb.gz        2410 bytes  go tool pprof heap-20261130T073907Z.pb.gz
//
// and, when a part is missing or cut, a last block:
//
//	notes:
//	  - no trace-20261130T073907Z.out: the execution trace is not recorded: flight recorder already enabled (...)
//
// The execution trace is the window as runtime/trace.FlightRecorder.WriteTo
// writes it: `go tool trace` shows goroutines, processors, GC, syscalls,
// tasks and regions over the last seconds. goroutines-<ts>.txt is what
// runtime/pprof's goroutine profile prints with debug=2, the same text a
// fatal crash prints: every goroutine's state, wait time and stack with
// argument words; when it is longer than its bound it is cut at a line
// break and ends with the line
//
//	... goroutine dump cut at 4194304 bytes (its bound); 120000 goroutines in all
//
// The profiles are pprof's gzipped protocol buffers: the goroutine profile
// groups goroutines by stack (`go tool pprof -top`, or -http=: for a
// flame graph), the heap profile shows live and allocated memory by
// allocation site as of the last garbage collection (`go tool pprof
// -sample_index=inuse_space heap-<ts>.pb.gz`). Both carry function
// names, so they open without the binary.
//
// None of the files holds the contents of memory. They do hold function
// names and source paths of the build, argument words (numbers and
// addresses, not the strings they point to), task names and trace.Log
// messages (routes and trace IDs here), and any pprof labels the program
// sets; the reason given to Trigger is in the summary, so build it from
// the route and figures, not from request data.
//
// # Memory
//
// The window lives in memory for the life of the recorder: about
// WithMaxBytes plus one generation of trace data (a generation is about a
// second of execution). A snapshot costs at most its parts' bounds (the
// runtime writes the goroutine dump into a buffer of exactly its bound),
// plus what runtime/pprof needs to build the profiles while it does; the
// rate limit allows one snapshot per kind per interval, and the recorder
// keeps none of them once Trigger has returned.
//
// # A fatal crash
//
// A fatal error (an unrecovered panic, a concurrent map write, running out
// of memory) ends the process at once: nothing in it runs again, so no
// trace window and no heap profile can be taken, and what was in memory is
// gone. What survives is what the runtime printed on its way out: every
// goroutine's stack, the same text as goroutines-<ts>.txt. The crash
// monitor of package reporting, which reads that output from outside the
// process, attaches it to the crash's report; a snapshot taken by an
// earlier trigger (a slow request, a 5xx) may have been reported before
// the crash and tell what led to it.
//
// # Handing snapshots to a reporter
//
// A [*Snapshot] offers its files through a method whose signature needs no
// type of this package:
//
//	EachAttachment(add func(filename, contentType string, data []byte))
//
// so a reporter declares the interface on its side and turns each file
// into a Sentry attachment (an envelope item of type attachment with
// filename and content_type), without importing this package, and this
// package needs none of the reporter's. Trigger returns a nil *Snapshot
// when it takes none: check for nil before storing it in an interface.
//
// Package reporting declares that interface as reporting.Attachments and
// keeps the files with their event, in the outbox and on the way to
// Sentry (reporting.WithSnapshots, Reporter.CaptureWith,
// Reporter.CaptureMessage). The root package supportkit wires the whole
// of it, triggers and request tasks included, with one option,
// supportkit.WithFlightRecorder.
package flightrec
