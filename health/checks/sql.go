package checks

import (
	"context"
	"database/sql"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// SQLPing checks db with PingContext, which uses a connection of db's pool
// (opening one only if the pool has none, as any query would).
func SQLPing(db *sql.DB) health.CheckFunc {
	return func(ctx context.Context) error {
		if db == nil {
			return errorsx.FailedPrecondition.New("sql ping: nil *sql.DB")
		}
		if err := db.PingContext(ctx); err != nil {
			return errorsx.Unavailable.Wrap(err, "sql ping")
		}
		return nil
	}
}
