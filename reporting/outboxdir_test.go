package reporting_test

import (
	"context"
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
		{"default: one per service", nil, filepath.Join(cache, "supportkit", "outbox", "reporting.test")},
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

// TestOutboxDirOfIsSetupsDir: the crash monitor keeps its raw files beside
// the outbox the application's reporter really uses.
func TestOutboxDirOfIsSetupsDir(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	want, err := reporting.OutboxDirOf(reporting.WithDSN(""))
	if err != nil {
		t.Fatal(err)
	}
	r, err := reporting.Setup(context.Background(), reporting.WithDSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, r)
	if r.OutboxDir() != want {
		t.Errorf("Setup uses %q, OutboxDirOf says %q", r.OutboxDir(), want)
	}
}
