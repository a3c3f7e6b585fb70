package crash

// Report is a Go crash as the runtime printed it on standard error: what
// went wrong, and the goroutines it listed.
type Report struct {
	// Kind says how the program died: [KindPanic], [KindFatalError] or
	// [KindSignal].
	Kind string
	// Message is the fatal error's text ("concurrent map writes"), the
	// value of the panic that crashed the program (the last one printed,
	// see Panics), or the signal line ("SIGQUIT: quit").
	Message string
	// Panics are the panics in flight when the program died, in the order
	// the runtime printed them: the first was raised first; the last is
	// the one that crashed the program. A panic raised while an earlier
	// one was unwinding (in a deferred call) follows it.
	Panics []Panic
	// Signal is the signal that caused a runtime error panic, as in
	// "SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4aa860".
	Signal string
	// Notes are the other lines the runtime printed before the goroutines,
	// such as "runtime: goroutine stack exceeds 1000000000-byte limit".
	Notes []string
	// Goroutines are the goroutines listed, in order; see [Report.Crashed]
	// for the one that crashed. How many there are depends on GOTRACEBACK: by default
	// only the crashing goroutine; with GOTRACEBACK=all, every user
	// goroutine.
	Goroutines []Goroutine
}

// The kinds of [Report].
const (
	// KindPanic is an unrecovered panic: "panic: <value>".
	KindPanic = "panic"
	// KindFatalError is an error the runtime cannot recover from, such as
	// "fatal error: concurrent map writes" or a deadlock.
	KindFatalError = "fatal error"
	// KindSignal is a signal that killed the program with a goroutine
	// dump, such as SIGQUIT or, with GOTRACEBACK=crash, SIGABRT.
	KindSignal = "signal"
)

// Panic is one panic of a crash.
type Panic struct {
	// Value is the panic value as printed: a string or number as is, an
	// error's Error() or a Stringer's String(), "(T) 0xc000012345" for
	// other types. The lines of a multi-line value are joined by "\n".
	Value string
	// Recovered is true when the panic was recovered and another panic
	// followed ("[recovered]").
	Recovered bool
	// Repanicked is true when the panic was recovered and raised again
	// with the same value ("[recovered, repanicked]").
	Repanicked bool
}

// Goroutine is one goroutine of a crash report.
type Goroutine struct {
	// ID is the goroutine's number, as in "goroutine 7 [running]:".
	ID uint64
	// State is what the goroutine was doing: "running", "chan receive",
	// "select", "sync.Mutex.Lock", ...
	State string
	// WaitMinutes is how long it had been blocked, when the runtime says
	// ("chan receive, 2 minutes").
	WaitMinutes int
	// LockedToThread is true for a goroutine locked to its thread.
	LockedToThread bool
	// Frames are the calls on its stack, innermost (most recent) first,
	// as the runtime prints them.
	Frames []Frame
	// Elided is true when the runtime left frames out of a deep stack.
	Elided bool
	// Unavailable is true when the stack could not be printed ("goroutine
	// running on other thread; stack unavailable").
	Unavailable bool
	// CreatedBy is the go statement that started the goroutine ("created
	// by ..."); nil for the main goroutine.
	CreatedBy *Frame
	// CreatorID is the goroutine that ran that go statement, when the
	// runtime says ("created by main.main in goroutine 1").
	CreatorID uint64
}

// Frame is one call in a goroutine's stack.
type Frame struct {
	// Function is the function's qualified name, as in "main.worker",
	// "net/http.(*conn).serve" or "main.run.func1". The runtime prints
	// runtime.gopanic as "panic".
	Function string
	// File and Line locate the call; File is as the binary recorded it
	// (relative with -trimpath).
	File string
	Line int
}

// Crashed returns the goroutine that crashed: the first one listed, other
// than goroutine 0 (the scheduler's, listed first in a signal's dump). It
// returns nil when the runtime listed none, as in "fatal error: no
// goroutines (main called runtime.Goexit) - deadlock!".
func (r *Report) Crashed() *Goroutine {
	for i := range r.Goroutines {
		if r.Goroutines[i].ID != 0 {
			return &r.Goroutines[i]
		}
	}
	return nil
}
