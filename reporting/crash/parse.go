package crash

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// ErrNoCrash is returned by [Parse] when the output holds neither a crash
// header ("panic: ...", "fatal error: ...", a signal) nor a goroutine.
var ErrNoCrash = errors.New("crash: no Go crash in the output")

// maxNotes bounds the unrecognised header lines a report keeps.
const maxNotes = 32

var goroutineHeader = regexp.MustCompile(`^goroutine (\d+)(?: gp=\S+)?(?: m=\S+)?(?: mp=\S+)? \[(.*)\]:$`)

var signalHeader = regexp.MustCompile(`^SIG[A-Z0-9]+: `)

// Parse reads what the Go runtime prints when a program crashes: the
// header (the panics, "[recovered]" and "[recovered, repanicked]" marks,
// nested panics raised by deferred calls, "fatal error: ...", the
// "[signal ...]" line), then each goroutine with its state, its frames and
// its "created by" line, in the forms printed since Go 1.21 (including the
// "goroutine N gp=... m=... [state]:" headers of GOTRACEBACK=system and
// the elided-frames markers). Lines it does not recognise, such as the
// register dump of GOTRACEBACK=crash, are skipped. It returns [ErrNoCrash]
// when nothing in output looks like a crash.
func Parse(output []byte) (*Report, error) {
	text := strings.ReplaceAll(string(output), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	r := &Report{}
	var (
		cur      *Panic     // the panic whose value may continue on the next line
		g        *Goroutine // the goroutine being read; nil between blocks
		skip     bool       // inside a block that is not a goroutine's stack
		seen     = map[uint64]bool{}
		inHeader = true
	)
	finishPanic := func() {
		if cur == nil {
			return
		}
		switch {
		case strings.HasSuffix(cur.Value, " [recovered, repanicked]"):
			cur.Value = strings.TrimSuffix(cur.Value, " [recovered, repanicked]")
			cur.Recovered, cur.Repanicked = true, true
		case strings.HasSuffix(cur.Value, " [recovered]"):
			cur.Value = strings.TrimSuffix(cur.Value, " [recovered]")
			cur.Recovered = true
		}
		cur = nil
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := goroutineHeader.FindStringSubmatch(line); m != nil {
			finishPanic()
			inHeader, skip, g = false, false, nil
			id, err := strconv.ParseUint(m[1], 10, 64)
			if err != nil || seen[id] {
				skip = true // a second dump of the same goroutine (GOTRACEBACK=crash)
				continue
			}
			seen[id] = true
			r.Goroutines = append(r.Goroutines, parseState(id, m[2]))
			g = &r.Goroutines[len(r.Goroutines)-1]
			continue
		}
		if line == "" {
			finishPanic()
			g, skip = nil, false
			continue
		}
		if line == "runtime stack:" || strings.HasPrefix(line, "[originating from goroutine ") {
			finishPanic()
			g, skip = nil, true
			continue
		}
		if skip {
			continue
		}
		if g != nil {
			i = readGoroutineLine(g, lines, i)
			continue
		}
		if !inHeader {
			continue // after the goroutines: register dumps and the like
		}
		switch {
		case strings.HasPrefix(line, "panic: "):
			finishPanic()
			if r.Kind == "" {
				r.Kind = KindPanic
			}
			r.Panics = append(r.Panics, Panic{Value: line[len("panic: "):]})
			cur = &r.Panics[len(r.Panics)-1]
		case strings.HasPrefix(line, "\tpanic: ") && len(r.Panics) > 0:
			finishPanic()
			r.Panics = append(r.Panics, Panic{Value: line[len("\tpanic: "):]})
			cur = &r.Panics[len(r.Panics)-1]
		case strings.HasPrefix(line, "\t") && cur != nil:
			cur.Value += "\n" + line[1:]
		case strings.HasPrefix(line, "fatal error: "):
			finishPanic()
			r.Kind, r.Message = KindFatalError, line[len("fatal error: "):]
		case strings.HasPrefix(line, "[signal ") && strings.HasSuffix(line, "]"):
			finishPanic()
			r.Signal = line[len("[signal ") : len(line)-1]
		case signalHeader.MatchString(line) && r.Kind == "":
			finishPanic()
			r.Kind, r.Message = KindSignal, line
		default:
			finishPanic()
			if len(r.Notes) < maxNotes {
				r.Notes = append(r.Notes, line)
			}
		}
	}
	finishPanic()
	if r.Kind == KindPanic && len(r.Panics) > 0 {
		r.Message = r.Panics[len(r.Panics)-1].Value
	}
	if r.Kind == "" && len(r.Goroutines) == 0 {
		return nil, ErrNoCrash
	}
	if r.Kind == "" {
		// The runtime prints "fatal error: ..." on standard error before
		// it starts crashing, so the line is missing from the crash
		// output (golang/go#76859); only the goroutines come.
		r.Kind, r.Message = KindFatalError, inferFatal(r)
		r.Notes = append(r.Notes, InferredNote)
	}
	return r, nil
}

// InferredNote is the note [Parse] adds to a report whose fatal error text
// it inferred from the stack, because the runtime left it out of the crash
// output.
const InferredNote = "the fatal error's text is printed on standard error only (golang/go#76859); the message was inferred from the stack"

// inferFatal names the fatal error of a crash output without its header
// from the function that raised it.
func inferFatal(r *Report) string {
	crashed := r.Crashed()
	if crashed == nil {
		return "unknown fatal error"
	}
	running := false
	for _, g := range r.Goroutines {
		if g.State == "running" || g.State == "runnable" || g.State == "syscall" {
			running = true
		}
	}
	if !running {
		return "all goroutines are asleep - deadlock!"
	}
	for _, f := range crashed.Frames {
		switch f.Function {
		case "runtime.fatal", "runtime.throw", "runtime.fatalthrow", "runtime.systemstack":
			continue // GOTRACEBACK=system shows these above the caller
		case "internal/runtime/maps.fatal":
			return "concurrent map access"
		case "sync.fatal":
			return "sync: unlock of unlocked mutex"
		}
		break
	}
	return "unknown fatal error"
}

// parseState reads the bracketed part of a goroutine header:
// "chan receive, 2 minutes, locked to thread labels:{...}".
func parseState(id uint64, s string) Goroutine {
	g := Goroutine{ID: id}
	if i := strings.Index(s, " labels:{"); i >= 0 {
		s = s[:i]
	}
	for i, part := range strings.Split(s, ", ") {
		switch {
		case i == 0:
			g.State = part
		case part == "locked to thread":
			g.LockedToThread = true
		case strings.HasSuffix(part, " minutes"):
			g.WaitMinutes, _ = strconv.Atoi(strings.TrimSuffix(part, " minutes"))
		}
	}
	return g
}

// readGoroutineLine reads the line at i, and the file line that follows a
// call, into g, and returns the index of the last line it consumed.
func readGoroutineLine(g *Goroutine, lines []string, i int) int {
	line := lines[i]
	switch {
	case strings.HasPrefix(line, "created by "):
		fn, creator, _ := strings.Cut(line[len("created by "):], " in goroutine ")
		f := Frame{Function: fn}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			f.File, f.Line = parseFileLine(lines[i+1])
			i++
		}
		g.CreatedBy = &f
		g.CreatorID, _ = strconv.ParseUint(creator, 10, 64)
	case line == "...additional frames elided..." ||
		strings.HasPrefix(line, "...") && strings.HasSuffix(line, " frames elided..."):
		g.Elided = true
	case strings.Contains(line, "goroutine running on other thread; stack unavailable"):
		g.Unavailable = true
	case !strings.HasPrefix(line, "\t") && strings.HasSuffix(line, ")"):
		open := strings.LastIndexByte(line, '(')
		if open <= 0 {
			return i
		}
		f := Frame{Function: line[:open]}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			f.File, f.Line = parseFileLine(lines[i+1])
			i++
		}
		g.Frames = append(g.Frames, f)
	}
	return i
}

// parseFileLine reads "\t/path/to/file.go:56 +0x27 fp=0x... sp=0x... pc=0x...".
func parseFileLine(s string) (string, int) {
	s = strings.TrimPrefix(s, "\t")
	for _, marker := range []string{" +0x", " fp=", " pc="} {
		if i := strings.Index(s, marker); i >= 0 {
			s = s[:i]
		}
	}
	colon := strings.LastIndexByte(s, ':')
	if colon < 0 {
		return s, 0
	}
	n, err := strconv.Atoi(s[colon+1:])
	if err != nil || n < 0 {
		return s, 0
	}
	return s[:colon], n
}
