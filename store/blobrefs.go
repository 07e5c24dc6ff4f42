package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Reserved spaces of BlobRefs.
const (
	// BlobRefSpace holds the reference count of each blob, by hash.
	BlobRefSpace Space = "_blobref"
	// BlobSweepSpace holds, by hash, when a sweep first saw a blob
	// unreferenced, and the blobs a sweep is deleting.
	BlobSweepSpace Space = "_blobsweep"
)

var (
	// ErrBlobSwept is returned by BlobRefs.Inc when a sweep is deleting
	// the blob: the caller must put the content again and retry.
	ErrBlobSwept = errors.New("store: blob is being removed by a sweep")

	// ErrNoReference is returned by BlobRefs.Dec for a blob with no
	// reference left.
	ErrNoReference = errors.New("store: blob has no reference")
)

// States in BlobSweepSpace: one byte, then a big-endian Unix time in
// nanoseconds.
const (
	sweepSeen     = 1 // unreferenced since the time
	sweepDeleting = 2 // a sweep is deleting the blob
)

// BlobRefs counts the references to blobs inside transactions, so that
// content shared by several messages is stored once and deleted when
// the last reference goes. The zero value is ready to use.
//
// The protocol: put the content in the BlobStore, then call Inc in the
// transaction that records the reference; call Dec in the transaction
// that drops it. Sweep deletes blobs that have stayed unreferenced for a
// grace period, which covers the time between a Put and its Inc.
type BlobRefs struct{}

// Inc adds a reference to h and returns the new count.
func (BlobRefs) Inc(tx Tx, h Hash) (uint64, error) {
	v, err := tx.Get(BlobSweepSpace, h[:])
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return 0, fmt.Errorf("reference blob %v: %w", h, err)
	case len(v) > 0 && v[0] == sweepDeleting:
		return 0, fmt.Errorf("reference blob %v: %w", h, ErrBlobSwept)
	default:
		if err := tx.Delete(BlobSweepSpace, h[:]); err != nil {
			return 0, fmt.Errorf("reference blob %v: %w", h, err)
		}
	}
	n, err := tx.Add(BlobRefSpace, h[:], 1)
	if err != nil {
		return 0, fmt.Errorf("reference blob %v: %w", h, err)
	}
	return n, nil
}

// Dec drops a reference to h and returns the count left. At zero the
// blob becomes a candidate for Sweep.
func (BlobRefs) Dec(tx Tx, h Hash) (uint64, error) {
	n, err := tx.Counter(BlobRefSpace, h[:])
	if err != nil {
		return 0, fmt.Errorf("unreference blob %v: %w", h, err)
	}
	switch n {
	case 0:
		return 0, fmt.Errorf("unreference blob %v: %w", h, ErrNoReference)
	case 1:
		err = tx.Delete(BlobRefSpace, h[:])
	default:
		_, err = tx.Add(BlobRefSpace, h[:], ^uint64(0)) // minus one
	}
	if err != nil {
		return 0, fmt.Errorf("unreference blob %v: %w", h, err)
	}
	return n - 1, nil
}

// Count returns the number of references to h.
func (BlobRefs) Count(tx Tx, h Hash) (uint64, error) {
	return tx.Counter(BlobRefSpace, h[:])
}

// SweepOptions configures BlobRefs.Sweep. The zero value is safe.
type SweepOptions struct {
	// Grace is how long a blob must stay unreferenced, as seen by
	// successive sweeps, before it is deleted. It must exceed the longest
	// time between a Put and the Inc that follows it. Default one hour.
	Grace time.Duration

	// Now returns the current time. Default time.Now.
	Now func() time.Time

	// Batch is how many blobs one transaction examines. Default 256.
	Batch int

	// Logger receives one event per deleted blob; nil discards them.
	Logger *slog.Logger
}

func (o *SweepOptions) defaults() {
	if o.Grace <= 0 {
		o.Grace = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Sweep deletes the blobs of bs that have had no reference for the grace
// period and returns how many it deleted. The first sweep to find a blob
// unreferenced notes the time; a later sweep past the grace period
// deletes it. Run it periodically from one process at a time.
func (BlobRefs) Sweep(ctx context.Context, kv KV, bs BlobStore, opts SweepOptions) (int, error) {
	opts.defaults()
	deleted := 0
	// Finish deletions a crash interrupted.
	stale, err := deletingBlobs(ctx, kv)
	if err != nil {
		return 0, err
	}
	if err := finishDeletes(ctx, kv, bs, stale); err != nil {
		return 0, err
	}
	// List first, then sweep: some blob stores cannot delete while they
	// list.
	var all []Hash
	err = bs.Walk(ctx, func(h Hash, size int64) error {
		all = append(all, h)
		return nil
	})
	for len(all) > 0 && err == nil {
		n := min(len(all), opts.Batch)
		var d int
		d, err = sweepBatch(ctx, kv, bs, all[:n], opts)
		deleted += d
		all = all[n:]
	}
	if err != nil {
		return deleted, fmt.Errorf("sweep blobs: %w", err)
	}
	return deleted, nil
}

// sweepBatch notes or marks for deletion the unreferenced blobs of
// batch, then deletes those past the grace period.
func sweepBatch(ctx context.Context, kv KV, bs BlobStore, batch []Hash,
	o SweepOptions) (int, error) {
	now := o.Now()
	var doomed []Hash
	err := kv.Update(ctx, func(tx Tx) error {
		doomed = doomed[:0]
		for _, h := range batch {
			gone, err := sweepOne(tx, h, now, o.Grace)
			if err != nil {
				return err
			}
			if gone {
				doomed = append(doomed, h)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, h := range doomed {
		o.Logger.Info("deleting unreferenced blob", "blob", h.String())
	}
	return len(doomed), finishDeletes(ctx, kv, bs, doomed)
}

// sweepOne examines one blob and reports whether it is to be deleted.
func sweepOne(tx Tx, h Hash, now time.Time, grace time.Duration) (bool, error) {
	n, err := tx.Counter(BlobRefSpace, h[:])
	if err != nil || n > 0 {
		return false, err
	}
	v, err := tx.Get(BlobSweepSpace, h[:])
	if errors.Is(err, ErrNotFound) {
		return false, tx.Put(BlobSweepSpace, h[:], sweepState(sweepSeen, now))
	}
	if err != nil {
		return false, err
	}
	if len(v) != 9 {
		return false, fmt.Errorf("sweep state of %v: %d bytes", h, len(v))
	}
	seen := time.Unix(0, int64(binary.BigEndian.Uint64(v[1:])))
	if v[0] == sweepSeen && now.Sub(seen) < grace {
		return false, nil
	}
	return true, tx.Put(BlobSweepSpace, h[:], sweepState(sweepDeleting, now))
}

func sweepState(state byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64([]byte{state}, uint64(t.UnixNano()))
}

// deletingBlobs lists the blobs a sweep began to delete.
func deletingBlobs(ctx context.Context, kv KV) ([]Hash, error) {
	var list []Hash
	err := kv.View(ctx, func(tx Tx) error {
		list = list[:0]
		return tx.Scan(BlobSweepSpace, Range{}, func(k, v []byte) error {
			if len(k) == len(Hash{}) && len(v) > 0 && v[0] == sweepDeleting {
				list = append(list, Hash(k))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("sweep blobs: %w", err)
	}
	return list, nil
}

// finishDeletes deletes the blobs and then their sweep state.
func finishDeletes(ctx context.Context, kv KV, bs BlobStore, hs []Hash) error {
	if len(hs) == 0 {
		return nil
	}
	for _, h := range hs {
		if err := bs.Delete(ctx, h); err != nil {
			return err
		}
	}
	return kv.Update(ctx, func(tx Tx) error {
		for _, h := range hs {
			if err := tx.Delete(BlobSweepSpace, h[:]); err != nil {
				return err
			}
		}
		return nil
	})
}
