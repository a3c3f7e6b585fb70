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
		var b strings.Builder
		writeVerbose(&b, err, "", "", "")
		_, _ = io.WriteString(s, strings.TrimSuffix(b.String(), "\n"))
	case verb == 'v' || verb == 's':
		_, _ = io.WriteString(s, err.Error())
	case verb == 'q':
		_, _ = io.WriteString(s, strconv.Quote(err.Error()))
	default:
		_, _ = fmt.Fprintf(s, "%%!%c(%s)", verb, err.Error())
	}
}

// writeVerbose writes err's summary line (after label) and then its
// layers, innermost first, numbered after prefix: the second error of a
// join that is layer 2 is "(2.2)", and its layers "(2.2.1)", "(2.2.2)".
func writeVerbose(b *strings.Builder, err error, indent, prefix, label string) {
	b.WriteString(indent + label)
	writeIndented(b, err.Error(), indent)
	b.WriteByte('\n')

	var chain []error
	for i := 0; err != nil && i < maxChain; i++ {
		chain = append(chain, err)
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	inner := indent + "    "
	for n, i := 1, len(chain)-1; i >= 0; n, i = n+1, i-1 {
		label := indent + "(" + prefix + strconv.Itoa(n) + ") "
		switch l := chain[i].(type) {
		case *Error:
			b.WriteString(label)
			msg := l.msg
			if msg == "" {
				msg = "(fields only)"
			}
			writeIndented(b, msg, inner)
			b.WriteByte('\n')
			if !l.code.IsZero() {
				b.WriteString(inner + "code: " + l.code.String() + "\n")
			}
			public := eachField(l.kv, func(f Field) {
				b.WriteString(inner + f.Key + ": ")
				writeIndented(b, fmt.Sprint(f.Value), inner)
				b.WriteByte('\n')
			})
			if public != "" {
				b.WriteString(inner + "public: ")
				writeIndented(b, public, inner)
				b.WriteByte('\n')
			}
			for _, f := range resolve(l.stack) {
				b.WriteString(inner + f.Function + "\n" + inner + "\t" + f.File + ":" + strconv.Itoa(f.Line) + "\n")
			}
		case interface{ Unwrap() []error }:
			errs := l.Unwrap()
			b.WriteString(label + strconv.Itoa(len(errs)) + " errors joined\n")
			k := 0
			for _, e := range errs {
				if e != nil {
					k++
					sub := prefix + strconv.Itoa(n) + "." + strconv.Itoa(k)
					writeVerbose(b, e, inner, sub+".", "("+sub+") ")
				}
			}
		default:
			b.WriteString(label)
			writeIndented(b, l.Error(), inner)
			b.WriteByte('\n')
			b.WriteString(inner + "type: " + fmt.Sprintf("%T", l) + "\n")
		}
	}
}

// writeIndented writes s, indenting the lines after the first so that a
// multi-line message stays inside its layer.
func writeIndented(b *strings.Builder, s, indent string) {
	if !strings.Contains(s, "\n") {
		b.WriteString(s)
		return
	}
	b.WriteString(strings.ReplaceAll(s, "\n", "\n"+indent))
}
