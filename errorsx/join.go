package errorsx

import (
	"fmt"
	"strings"
)

// Join returns an error that wraps the given errors, as errors.Join does:
// nil values are discarded, Join returns nil if every value is nil, and
// Error() is the errors' texts joined by newlines. The result exposes its
// errors both as Unwrap() []error (for errors.Is and errors.As) and as
// Errors() []error (which zap renders as "errorCauses").
func Join(errs ...error) error {
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	j := &joinError{errs: make([]error, 0, n)}
	for _, err := range errs {
		if err != nil {
			j.errs = append(j.errs, err)
		}
	}
	return j
}

type joinError struct{ errs []error }

var (
	_ error         = (*joinError)(nil)
	_ fmt.Formatter = (*joinError)(nil)
)

func (j *joinError) Error() string {
	var b strings.Builder
	for i, err := range j.errs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

func (j *joinError) Unwrap() []error { return j.errs }

// Errors returns the joined errors; zap recognises this method.
func (j *joinError) Errors() []error { return j.errs }

func (j *joinError) Format(s fmt.State, verb rune) { format(s, verb, j) }
