package reporting_test

import (
	"path/filepath"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/supportkit/supportkit/reporting"
)

// TestOutboxDirOf: the directory Setup would use, without setting up.
func TestOutboxDirOf(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	tests := []struct {
		name string
		opts []reporting.Option
		want string
	}{
		{"default", nil, filepath.Join(cache, "supportkit", "outbox")},
		{"WithOutbox", []reporting.Option{reporting.WithOutbox("/srv/outbox", 0)}, "/srv/outbox"},
		{"WithTransport", []reporting.Option{reporting.WithTransport(sentry.NewHTTPSyncTransport())}, ""},
	}
	for _, tt := range tests {
		got, err := reporting.OutboxDirOf(tt.opts...)
		if err != nil || got != tt.want {
			t.Errorf("%s: OutboxDirOf = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
