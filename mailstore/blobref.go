package mailstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// Blob references: ms_blob_ref counts the emails, over all accounts, that
// point at a blob. When the count drops to zero the blob is marked in
// ms_blob_gc (see blobgc.go), and Purge deletes it once it has stayed
// unreferenced for Options.BlobGrace.

// refBlob adds a reference to blob h, which the caller has just written
// or found in use. A blob Purge is deleting fails with ErrTemporary.
func (s *Store) refBlob(ctx context.Context, tx store.Tx, h store.Hash) error {
	n, err := blobRefs(tx, h)
	if err != nil {
		return err
	}
	if n == 0 {
		if err := s.checkMark(ctx, tx, h); err != nil {
			return err
		}
	}
	return tx.Put(spaceBlobRef, h[:], binary.AppendUvarint(nil, n+1))
}

// checkMark clears the purge mark of a blob about to be referenced.
func (s *Store) checkMark(ctx context.Context, tx store.Tx, h store.Hash) error {
	b, err := tx.Get(spaceBlobGC, h[:])
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	m, err := decodeMark(b)
	if err != nil {
		return err
	}
	switch m.state {
	case gcDeleting:
		return fmt.Errorf("blob %s is being purged: %w", h, ErrTemporary)
	case gcDeleted:
		// Deleted before this transaction began: the content is there
		// only if the caller's own write restored it.
		if _, err := s.blobs.Size(ctx, h); err != nil {
			return fmt.Errorf("blob %s was purged: %w", h, ErrTemporary)
		}
	}
	return tx.Delete(spaceBlobGC, h[:])
}

func (s *Store) unrefBlob(tx store.Tx, h store.Hash) error {
	n, err := blobRefs(tx, h)
	if err != nil {
		return err
	}
	if n > 1 {
		return tx.Put(spaceBlobRef, h[:], binary.AppendUvarint(nil, n-1))
	}
	if err := tx.Delete(spaceBlobRef, h[:]); err != nil {
		return err
	}
	return tx.Put(spaceBlobGC, h[:], encodeMark(gcMark{gcCandidate, s.now().Unix()}))
}

func blobRefs(tx store.Tx, h store.Hash) (uint64, error) {
	b, err := tx.Get(spaceBlobRef, h[:])
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, errCorrupt
	}
	return n, nil
}
