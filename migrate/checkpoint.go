package migrate

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/bulwarkmail/bulwark/store"
)

// checkpointSpace holds the progress of an import in the target KV: the
// id of the export being imported ("run"), the directory step ("dir"),
// and per account the number of index lines done ("acct" NUL name) by an
// import that draws new UIDs, or of steps done ("exact" NUL name) by one
// that keeps them, and whether the account is finished ("done" NUL
// name).
const checkpointSpace store.Space = "migrate_import"

// checkpoints reads and writes the progress records of one import.
type checkpoints struct{ kv store.KV }

func (c checkpoints) get(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	err := c.kv.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(checkpointSpace, []byte(key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		out = append([]byte(nil), v...)
		return err
	})
	return out, err
}

func (c checkpoints) put(ctx context.Context, key string, v []byte) error {
	return c.kv.Update(ctx, func(tx store.Tx) error {
		return tx.Put(checkpointSpace, []byte(key), v)
	})
}

func (c checkpoints) count(ctx context.Context, key string) (int64, error) {
	v, err := c.get(ctx, key)
	if err != nil || len(v) != 8 {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

func (c checkpoints) setCount(ctx context.Context, key string, n int64) error {
	return c.put(ctx, key, binary.BigEndian.AppendUint64(nil, uint64(n)))
}
