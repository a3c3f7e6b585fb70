package outbox

import (
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
)

// TestDSNIsNeverADestination: a DSN passed where its Destination belongs
// is refused, so its key is never written to disk.
func TestDSNIsNeverADestination(t *testing.T) {
	dsn := "https://secretkey@o1.ingest.example/42"
	if _, err := EncodeEvent(&sentry.Event{EventID: "abc"}, dsn); err == nil {
		t.Errorf("EncodeEvent accepted a DSN as destination")
	}
	o, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if _, err := o.Write("abc", dsn, []byte("{}\n")); err == nil || strings.Contains(err.Error(), "secretkey") {
		t.Errorf("Write with a DSN as destination: %v", err)
	}
}
