package reporting

import (
	"os"
	"path/filepath"

	"github.com/supportkit/supportkit/errorsx"
)

// OutboxDirOf returns the outbox directory that [Setup] would use with
// opts, without setting anything up: the directory of [WithOutbox], or
// os.UserCacheDir()/supportkit/outbox. It neither creates nor checks the
// directory. Package crash uses it to keep raw crash output beside the
// outbox. With [WithTransport] there is no outbox, and it returns "".
func OutboxDirOf(opts ...Option) (string, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.transport != nil {
		return "", nil
	}
	if cfg.outboxDir != "" {
		return cfg.outboxDir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", errorsx.FailedPrecondition.Wrap(err, "reporting: no outbox directory: set one with WithOutbox")
	}
	return filepath.Join(cache, "supportkit", "outbox"), nil
}
