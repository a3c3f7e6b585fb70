package flightrec

import (
	"regexp"
	"testing"
)

// The trace ID check accepts exactly what the documentation says, for any
// text a client may send.
func FuzzValidTraceID(f *testing.F) {
	for _, seed := range []string{"", "0af7651916cd43dd8448eb211c80319c", "1-5759e988-bd862e3fe1be46a994272793",
		"a b", "\x00", "ü", "-", string(make([]byte, 65))} {
		f.Add(seed)
	}
	want := regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)
	f.Fuzz(func(t *testing.T, id string) {
		if got := validTraceID(id); got != want.MatchString(id) {
			t.Errorf("validTraceID(%q) = %v, want %v", id, got, !got)
		}
	})
}
