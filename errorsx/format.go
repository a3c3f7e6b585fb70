package errorsx

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format implements fmt.Formatter. %s and %v print Error(); %q prints it
// quoted; %+v prints, after Error(), each layer of the chain innermost
// first, numbered, with its message, code, public message, fields (secret
// values redacted) and frames. The stack where the error started is printed
// once, under the innermost layer; a wrapping layer prints only its own
// frame. For example:
//
//	load order 42: order not found
//	(1) order not found
//	    code: not_found
//	    order_id: 42
//	    token: [REDACTED]
//	    main.findOrder
//	    	/src/app/orders.go:20
//	    main.loadOrder
//	    	/src/app/orders.go:31
//	    ...
//	(2) load order 42
//	    user_id: 7
//	    main.loadOrder
//	    	/src/app/orders.go:32
func (e *Error) Format(s fmt.State, verb rune) {
	if e == nil {
		_, _ = io.WriteString(s, "<nil>")
		return
	}
	format(s, verb, e)
}

func format(s fmt.State, verb rune, err error) {
	switch {
	case verb == 'v' && s.Flag('+'):
		w := &lineWriter{w: s}
		writeVerbose(w, err, "", "", "")
	case verb == 'v' || verb == 's':
		_, _ = io.WriteString(s, err.Error())
	case verb == 'q':
		_, _ = io.WriteString(s, strconv.Quote(err.Error()))
	default:
		_, _ = fmt.Fprintf(s, "%%!%c(%s)", verb, err.Error())
	}
}

// lineWriter writes straight into the fmt.State and holds back a newline
// until more text follows, so that the output has no trailing newline
// without being buffered.
type lineWriter struct {
	w       io.Writer
	pending bool
}

func (l *lineWriter) WriteString(s string) {
	if l.pending {
		_, _ = io.WriteString(l.w, "\n")
		l.pending = false
	}
	_, _ = io.WriteString(l.w, s)
}

func (l *lineWriter) Write(p []byte) {
	if l.pending {
		_, _ = io.WriteString(l.w, "\n")
		l.pending = false
	}
	_, _ = l.w.Write(p)
}

func (l *lineWriter) newline() {
	if l.pending {
		_, _ = io.WriteString(l.w, "\n")
	}
	l.pending = true
}

// writeVerbose writes err's summary line (after label) and then its
// layers, innermost first, numbered after prefix: the second error of a
// join that is layer 2 is "(2.2)", and its layers "(2.2.1)", "(2.2.2)".
func writeVerbose(b *lineWriter, err error, indent, prefix, label string) {
	b.WriteString(indent)
	b.WriteString(label)
	writeIndented(b, err.Error(), indent)
	b.newline()

	var arr [8]error
	chain := unwrapChain(arr[:0], err)
	inner := indent + "    "
	var num [20]byte
	for n, i := 1, len(chain)-1; i >= 0; n, i = n+1, i-1 {
		writeLabel := func() {
			b.WriteString(indent)
			b.WriteString("(")
			b.WriteString(prefix)
			b.Write(strconv.AppendInt(num[:0], int64(n), 10))
			b.WriteString(") ")
		}
		switch l := chain[i].(type) {
		case *Error:
			writeLabel()
			msg := l.msg
			if msg == "" {
				msg = "(fields only)"
			}
			writeIndented(b, msg, inner)
			b.newline()
			if !l.code.IsZero() {
				b.WriteString(inner)
				b.WriteString("code: ")
				b.WriteString(l.code.String())
				b.newline()
			}
			public := eachField(l.kv, func(f Field) {
				b.WriteString(inner)
				b.WriteString(f.Key)
				b.WriteString(": ")
				writeIndented(b, FormatValue(f.Value), inner)
				b.newline()
			})
			if public != "" {
				b.WriteString(inner + "public: ")
				writeIndented(b, public, inner)
				b.newline()
			}
			eachFrame(l.stack, func(f Frame) {
				b.WriteString(inner)
				b.WriteString(f.Function)
				b.newline()
				b.WriteString(inner)
				b.WriteString("\t")
				b.WriteString(f.File)
				b.WriteString(":")
				b.Write(strconv.AppendInt(num[:0], int64(f.Line), 10))
				b.newline()
			})
		case interface{ Unwrap() []error }:
			errs := l.Unwrap()
			writeLabel()
			b.WriteString(strconv.Itoa(len(errs)) + " errors joined")
			b.newline()
			k := 0
			for _, e := range errs {
				if e != nil {
					k++
					sub := prefix + strconv.Itoa(n) + "." + strconv.Itoa(k)
					writeVerbose(b, e, inner, sub+".", "("+sub+") ")
				}
			}
		default:
			writeLabel()
			writeIndented(b, l.Error(), inner)
			b.newline()
			b.WriteString(inner + "type: " + fmt.Sprintf("%T", l))
			b.newline()
		}
	}
}

// writeIndented writes s, indenting the lines after the first so that a
// multi-line message stays inside its layer.
func writeIndented(b *lineWriter, s, indent string) {
	if !strings.Contains(s, "\n") {
		b.WriteString(s)
		return
	}
	b.WriteString(strings.ReplaceAll(s, "\n", "\n"+indent))
}
