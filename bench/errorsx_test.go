package bench

import (
	"errors"
	"fmt"
	"testing"
	"time"

	crerrors "github.com/cockroachdb/errors"
	pkgerrors "github.com/pkg/errors"
	"github.com/samber/oops"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

// Sinks keep the compiler from discarding the work being measured.
var (
	sinkErr  error
	sinkBool bool
	sinkStr  string
	sinkN    int
)

// errDepth is how many frames below the benchmark function every error is
// made, so that the stack a library captures has a realistic depth.
const errDepth = 10

// atDepth calls f(err) n frames further down the stack. It must not be
// inlined, or the depth would not be real.
//
//go:noinline
func atDepth(n int, f func(error) error, err error) error {
	if n <= 1 {
		return f(err)
	}
	return atDepth(n-1, f, err)
}

// errSentinel is the target of BenchmarkIsMiss: in no chain.
var errSentinel = errors.New("sentinel")

// errorLib is one library under comparison: how it makes a root error, how
// it wraps an error of its own, and how its error is logged through zap.
type errorLib struct {
	name string
	new  func(error) error // the argument is ignored
	wrap func(error) error
	zap  func(error) zapcore.Field
}

var errorLibs = []errorLib{
	{
		name: "errorsx",
		new:  func(error) error { return errorsx.New("order not found") },
		wrap: func(err error) error { return errorsx.Wrap(err, "load order") },
		zap:  errorsx.Zap,
	},
	{
		name: "stdlib",
		new:  func(error) error { return errors.New("order not found") },
		wrap: func(err error) error { return fmt.Errorf("load order: %w", err) },
		zap:  zap.Error,
	},
	{
		name: "pkgerrors",
		new:  func(error) error { return pkgerrors.New("order not found") },
		wrap: func(err error) error { return pkgerrors.Wrap(err, "load order") },
		zap:  zap.Error,
	},
	{
		name: "cockroach",
		new:  func(error) error { return crerrors.New("order not found") },
		wrap: func(err error) error { return crerrors.Wrap(err, "load order") },
		zap:  zap.Error,
	},
	{
		name: "oops",
		new:  func(error) error { return oops.New("order not found") },
		// oops.Wrap takes no message; Wrapf adds the same context as the
		// others do.
		wrap: func(err error) error { return oops.Wrapf(err, "load order") },
		zap:  zap.Error,
	},
}

// newDeep makes lib's root error errDepth frames deep.
func newDeep(lib errorLib) error { return atDepth(errDepth, lib.new, nil) }

// newWrapped makes lib's root error errDepth frames deep and wraps it once,
// errDepth/2 frames deep: the typical error that reaches a log line.
func newWrapped(lib errorLib) error {
	return atDepth(errDepth/2, lib.wrap, newDeep(lib))
}

// BenchmarkNew measures making a root error 10 frames deep. Every library
// but stdlib captures the stack there.
func BenchmarkNew(b *testing.B) {
	for _, lib := range errorLibs {
		b.Run(lib.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkErr = atDepth(errDepth, lib.new, nil)
			}
		})
	}
	// With a code and two fields: the key-value list is the one extra
	// allocation.
	b.Run("errorsx-fields", func(b *testing.B) {
		b.ReportAllocs()
		mk := func(error) error { return errorsx.NotFound.New("order not found", "order_id", "42", "user_id", "7") }
		for b.Loop() {
			sinkErr = atDepth(errDepth, mk, nil)
		}
	})
}

// BenchmarkWrap measures wrapping, 10 frames deep, a root error of the same
// library made once before the timer starts. errorsx records only the
// wrapping frame; pkg/errors, cockroach and oops capture a whole stack.
func BenchmarkWrap(b *testing.B) {
	for _, lib := range errorLibs {
		b.Run(lib.name, func(b *testing.B) {
			root := newDeep(lib)
			b.ReportAllocs()
			for b.Loop() {
				sinkErr = atDepth(errDepth, lib.wrap, root)
			}
		})
	}
}

// isMissChain returns lib's root error wrapped three times.
func isMissChain(lib errorLib) error {
	err := newDeep(lib)
	for range 3 {
		err = lib.wrap(err)
	}
	return err
}

// BenchmarkIsMiss measures errors.Is against a sentinel that is not in a
// chain three wraps deep: the common "is it this one? no" test on an error
// path. The chain is made before the timer starts.
func BenchmarkIsMiss(b *testing.B) {
	for _, lib := range errorLibs {
		b.Run(lib.name, func(b *testing.B) {
			err := isMissChain(lib)
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = errors.Is(err, errSentinel)
			}
		})
	}
	// A Code target: errors.Is(err, errorsx.NotFound) on the same chain
	// with the code Internal set on its root.
	b.Run("errorsx-code", func(b *testing.B) {
		mk := func(error) error { return errorsx.Internal.New("order not found") }
		err := atDepth(errDepth, mk, nil)
		for range 3 {
			err = errorsx.Wrap(err, "load order")
		}
		b.ReportAllocs()
		for b.Loop() {
			sinkBool = errors.Is(err, errorsx.NotFound)
		}
	})
	// cockroach's own Is, which its users call: after the identity walk it
	// compares error marks (type and message), so a miss costs more.
	b.Run("cockroach-own", func(b *testing.B) {
		err := isMissChain(errorLibs[3])
		b.ReportAllocs()
		for b.Loop() {
			sinkBool = crerrors.Is(err, errSentinel)
		}
	})
}

// formatBatch is how many errors benchFormat makes at a time, with the timer
// stopped, so that each %+v is the first one of its error.
const formatBatch = 256

// benchFormat measures the first %+v of errors made by mk. The errors are
// made in batches with the timer stopped; only the formatting is timed.
func benchFormat(b *testing.B, mk func() error) {
	errs := make([]error, formatBatch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%formatBatch == 0 {
			b.StopTimer()
			for j := range errs {
				errs[j] = mk()
			}
			b.StartTimer()
		}
		sinkStr = fmt.Sprintf("%+v", errs[i%formatBatch])
	}
}

// BenchmarkFormatVerbose measures the first %+v of a freshly made root
// error (10 frames deep): message and stack. errorsx resolves each program
// counter once per process and caches it, so after the first error from a
// call site its frames cost a map lookup; the others resolve every frame
// of every error they print.
func BenchmarkFormatVerbose(b *testing.B) {
	for _, lib := range errorLibs {
		b.Run(lib.name, func(b *testing.B) {
			benchFormat(b, func() error { return newDeep(lib) })
		})
	}
}

// BenchmarkFormatVerboseWrapped is BenchmarkFormatVerbose for a root error
// wrapped once. pkg/errors, cockroach and oops print a stack for each layer
// (or merge them); errorsx prints the root stack once and one frame for the
// wrap.
func BenchmarkFormatVerboseWrapped(b *testing.B) {
	for _, lib := range errorLibs {
		b.Run(lib.name, func(b *testing.B) {
			benchFormat(b, func() error { return newWrapped(lib) })
		})
	}
}

// BenchmarkZapEncode measures encoding one log entry carrying an error
// (root 10 frames deep, wrapped once, made before the timer starts) with
// zap's production JSON encoder: errorsx through errorsx.Zap (a structured
// object with the stack as an array of frames), the peers through
// zap.Error (which adds "errorVerbose", their %+v, when they implement
// fmt.Formatter).
func BenchmarkZapEncode(b *testing.B) {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	ent := zapcore.Entry{
		Level:   zapcore.ErrorLevel,
		Time:    time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Message: "request failed",
	}
	encode := func(b *testing.B, f zapcore.Field) {
		fields := []zapcore.Field{f}
		b.ReportAllocs()
		for b.Loop() {
			buf, err := enc.EncodeEntry(ent, fields)
			if err != nil {
				b.Fatal(err)
			}
			sinkN = buf.Len()
			buf.Free()
		}
	}
	for _, lib := range errorLibs {
		b.Run(lib.name, func(b *testing.B) {
			encode(b, lib.zap(newWrapped(lib)))
		})
	}
	// With a code and two fields on the root and one on the wrap, as a
	// service would log it.
	b.Run("errorsx-fields", func(b *testing.B) {
		mk := func(error) error {
			return errorsx.NotFound.New("order not found", "order_id", "42", "token", errorsx.Secret("s3cr3t"))
		}
		wrap := func(err error) error { return errorsx.Wrap(err, "load order", "user_id", 7) }
		err := atDepth(errDepth/2, wrap, atDepth(errDepth, mk, nil))
		encode(b, errorsx.Zap(err))
	})
}
