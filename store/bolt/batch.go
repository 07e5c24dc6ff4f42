package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/internal/groupcommit"
)

// newBatcher returns the group committer of db: concurrent Updates share
// one bbolt transaction and its single sync (see DB).
func newBatcher(db *DB) *groupcommit.Batcher[*bbolt.Tx] {
	return groupcommit.New(db.db.Update, db.opts.MaxBatch)
}

// grouped runs fn through the batcher, in a txn of its own over the
// group's bbolt transaction, so that fn cannot use it once it returned.
func (db *DB) grouped(ctx context.Context, fn func(store.Tx) error) error {
	return db.b.Do(ctx, func(btx *bbolt.Tx) error {
		tx := txn{btx: btx}
		defer tx.end()
		return fn(&tx)
	})
}
