package mailstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// A blob's mark in ms_blob_gc moves through three states. candidate: no
// email references it since the time recorded. deleting: Purge is deleting
// it; a delivery that needs it fails with ErrTemporary and is retried.
// deleted: it is gone; a delivery that needs it checks that its own write
// brought it back. The mark disappears when an email references the blob,
// and deleted marks expire after BlobGrace.
const (
	gcCandidate byte = 1 + iota
	gcDeleting
	gcDeleted
)

type gcMark struct {
	state byte
	since int64
}

func encodeMark(m gcMark) []byte {
	return binary.AppendVarint([]byte{m.state}, m.since)
}

func decodeMark(b []byte) (gcMark, error) {
	if len(b) < 2 {
		return gcMark{}, errCorrupt
	}
	v, n := binary.Varint(b[1:])
	if n <= 0 {
		return gcMark{}, errCorrupt
	}
	return gcMark{b[0], v}, nil
}

// sweepBlobs deletes the blobs whose candidate mark is older than
// BlobGrace and drops expired deleted marks.
func (s *Store) sweepBlobs(ctx context.Context, st *PurgeStats) error {
	old := s.now().Add(-s.opts.BlobGrace).Unix()
	var doomed []store.Hash
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		doomed = doomed[:0]
		var expired [][]byte
		err := tx.Scan(spaceBlobGC, store.Range{}, func(k, v []byte) error {
			m, err := decodeMark(v)
			if err != nil || len(k) != len(store.Hash{}) {
				return nil
			}
			switch {
			case m.state == gcDeleted && m.since < old:
				expired = append(expired, append([]byte(nil), k...))
			case m.state != gcDeleted && m.since < old:
				doomed = append(doomed, store.Hash(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := tx.Delete(spaceBlobGC, k); err != nil {
				return err
			}
		}
		return s.setMarks(tx, doomed, gcDeleting)
	})
	if err != nil {
		return fmt.Errorf("sweep blobs: %w", err)
	}
	for _, h := range doomed {
		if err := s.blobs.Delete(ctx, h); err != nil {
			return fmt.Errorf("sweep blob %s: %w", h, err)
		}
		st.Blobs++
	}
	err = s.kv.Update(ctx, func(tx store.Tx) error { return s.setMarks(tx, doomed, gcDeleted) })
	if err != nil {
		return fmt.Errorf("sweep blobs: %w", err)
	}
	return nil
}

func (s *Store) setMarks(tx store.Tx, hs []store.Hash, state byte) error {
	now := s.now().Unix()
	for _, h := range hs {
		if err := tx.Put(spaceBlobGC, h[:], encodeMark(gcMark{state, now})); err != nil {
			return err
		}
	}
	return nil
}

// markStrayBlobs marks as candidates the blobs of the blob store that no
// email references and that carry no mark yet.
func (s *Store) markStrayBlobs(ctx context.Context) error {
	var all []store.Hash
	err := s.blobs.Walk(ctx, func(h store.Hash, _ int64) error {
		all = append(all, h)
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk blobs: %w", err)
	}
	for len(all) > 0 {
		batch := all[:min(len(all), purgeBatch)]
		all = all[len(batch):]
		err := s.kv.Update(ctx, func(tx store.Tx) error {
			var stray []store.Hash
			for _, h := range batch {
				if stray2, err := isStray(tx, h); err != nil {
					return err
				} else if stray2 {
					stray = append(stray, h)
				}
			}
			return s.setMarks(tx, stray, gcCandidate)
		})
		if err != nil {
			return fmt.Errorf("mark stray blobs: %w", err)
		}
	}
	return nil
}

func isStray(tx store.Tx, h store.Hash) (bool, error) {
	if n, err := blobRefs(tx, h); err != nil || n > 0 {
		return false, err
	}
	_, err := tx.Get(spaceBlobGC, h[:])
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	return false, err
}
