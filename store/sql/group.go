package sql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/internal/groupcommit"
)

// maxGroup bounds the Updates of one group.
const maxGroup = 100

// newBatcher returns the group committer of db: concurrent Updates share
// one transaction, which commits with one round trip and one sync at the
// database, and Updates drawing from the same counter no longer queue one
// commit each. A function that fails is dropped from its group and the
// others run again without it; a conflict runs the whole group again.
func newBatcher(db *DB) *groupcommit.Batcher[store.Tx] {
	return groupcommit.New(db.groupExec, maxGroup)
}

// groupExec runs one attempt of a group in a write transaction, again on
// conflicts up to MaxRetries times. The group belongs to no single
// caller, so its transaction does not follow any caller's context.
func (db *DB) groupExec(body func(store.Tx) error) error {
	// Stripes a failed attempt needed are taken before the next begins.
	var stripes []int
	for conflicts := 0; ; conflicts++ {
		conflict, touched, err := db.runWrite(context.Background(), body, stripes)
		stripes = append(stripes, touched...)
		if !conflict {
			return err
		}
		if conflicts >= db.opts.MaxRetries {
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		}
		db.log.Debug("group conflict, retrying", "attempt", conflicts+1, "err", err)
		time.Sleep(time.Duration(rand.Int64N(int64(100*time.Microsecond) << min(conflicts, 7))))
	}
}
