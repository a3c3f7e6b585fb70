package errorsx

import (
	"runtime"
	"sync"
)

// maxDepth is how many frames a stack keeps; maxChain bounds every walk of
// a cause chain, so that a cyclic chain built by hand cannot hang us.
const (
	maxDepth = 32
	maxChain = 1000
)

// Frame is one resolved stack frame.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// frameCache maps a program counter to its resolved frames (more than one
// when calls were inlined). Program counters are finite, so it stays bounded
// by the size of the binary's code.
var frameCache sync.Map // uintptr -> []Frame

// resolve turns return-address program counters, as runtime.Callers gives
// them, into frames; each counter is symbolised once per process.
func resolve(pcs []uintptr) []Frame {
	if len(pcs) == 0 {
		return nil
	}
	out := make([]Frame, 0, len(pcs))
	for _, pc := range pcs {
		if v, ok := frameCache.Load(pc); ok {
			out = append(out, v.([]Frame)...)
			continue
		}
		var fs []Frame
		it := runtime.CallersFrames([]uintptr{pc})
		for {
			f, more := it.Next()
			if f.Function != "" || f.File != "" {
				fs = append(fs, Frame{Function: f.Function, File: f.File, Line: f.Line})
			}
			if !more {
				break
			}
		}
		frameCache.Store(pc, fs)
		out = append(out, fs...)
	}
	return out
}

// StackOf returns the stack captured where err started: the innermost full
// stack found in its chain, innermost frame first. It is nil when err
// carries no errorsx stack.
func StackOf(err error) []Frame {
	if e := rootStack(err); e != nil {
		return resolve(e.stack)
	}
	return nil
}

// rootStack returns the innermost *Error in err's single-cause chain that
// holds a full stack.
func rootStack(err error) *Error {
	var found *Error
	for i := 0; err != nil && i < maxChain; i++ {
		if e, ok := err.(*Error); ok && e != nil && e.flags&fullStack != 0 {
			found = e
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return found
}

// hasStack reports whether err's single-cause chain already holds a full
// errorsx stack, in which case a wrapper needs only its own frame.
func hasStack(err error) bool { return rootStack(err) != nil }

// eachFrame calls fn for each resolved frame of pcs, as resolve would
// return them, without building a slice.
func eachFrame(pcs []uintptr, fn func(Frame)) {
	for _, pc := range pcs {
		v, ok := frameCache.Load(pc)
		if !ok {
			resolve([]uintptr{pc})
			v, _ = frameCache.Load(pc)
		}
		for _, f := range v.([]Frame) {
			fn(f)
		}
	}
}
