package reporting

import (
	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// OutboxDirOf returns the outbox directory that [Setup] would use with
// opts, without setting anything up: the directory of [WithOutbox], or
// the service's default, os.UserCacheDir()/supportkit/outbox/<executable
// name> (see [outbox.DefaultDir]). It neither creates nor checks the
// directory. Package crash uses it to keep raw crash output beside the
// outbox. With [WithTransport] there is no outbox, and it returns "".
func OutboxDirOf(opts ...Option) (string, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.transport != nil {
		return "", nil
	}
	if cfg.outboxDir != "" {
		return cfg.outboxDir, nil
	}
	dir, err := outbox.DefaultDir("")
	if err != nil {
		return "", errorsx.FailedPrecondition.Wrap(err, "reporting: no outbox directory: set one with WithOutbox")
	}
	return dir, nil
}
