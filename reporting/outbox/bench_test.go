package outbox_test

import (
	"testing"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// benchmarkWrite measures one Write into an outbox that holds backlog
// envelopes and is at its bound, so that each write also evicts one: the
// cost must not grow with the backlog.
func benchmarkWrite(b *testing.B, backlog int) {
	env := envelope(b, "0123456789abcdef0123456789abcdef", dest1, 300)
	o := open(b, b.TempDir(), outbox.Options{MaxBytes: int64(backlog * len(env))})
	for range backlog {
		if _, err := o.Write("0123456789abcdef0123456789abcdef", dest1, env); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := o.Write("0123456789abcdef0123456789abcdef", dest1, env); err != nil {
			b.Fatal(err)
		}
	}
	if s := o.Stats(); s.Files != backlog {
		b.Fatalf("%d files, want the backlog of %d", s.Files, backlog)
	}
}

func BenchmarkWriteWith10kFiles(b *testing.B) { benchmarkWrite(b, 10_000) }

func BenchmarkWriteEmpty(b *testing.B) { benchmarkWrite(b, 1) }
