package mailstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// Blob references follow the store.BlobRefs protocol shared by every
// package that keeps blobs: the count of emails, over all accounts, that
// point at a blob, which the sweep of Purge reads before deleting one.

// refBlob adds a reference to blob h, which the caller has just written
// or found in use. A blob a sweep is deleting, or has deleted since the
// caller wrote it, fails with ErrTemporary: the whole call is retried.
func (s *Store) refBlob(ctx context.Context, tx store.Tx, h store.Hash) error {
	n, err := store.BlobRefs{}.Inc(tx, h)
	if errors.Is(err, store.ErrBlobSwept) {
		return fmt.Errorf("blob %s: %w", h, ErrTemporary)
	}
	if err != nil {
		return err
	}
	if n == 1 {
		// The blob had no reference: a sweep may have deleted it after
		// the caller's write found the content already there.
		if _, err := s.blobs.Size(ctx, h); err != nil {
			return fmt.Errorf("blob %s was swept: %w", h, ErrTemporary)
		}
	}
	return nil
}

// unrefBlob drops a reference to blob h.
func (s *Store) unrefBlob(tx store.Tx, h store.Hash) error {
	_, err := store.BlobRefs{}.Dec(tx, h)
	return err
}

// refAccountBlob counts a reference to blob h from account a, delta +1 or
// -1, for HasBlob.
func refAccountBlob(tx store.Tx, a uint32, h store.Hash, delta int) error {
	k := newKey(a).bytes(h[:])
	var n uint64
	b, err := tx.Get(spaceAcctBlob, k)
	if err == nil {
		var m int
		if n, m = binary.Uvarint(b); m <= 0 {
			return errCorrupt
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if delta < 0 && n <= 1 {
		return tx.Delete(spaceAcctBlob, k)
	}
	return tx.Put(spaceAcctBlob, k, binary.AppendUvarint(nil, uint64(int64(n)+int64(delta))))
}

// HasBlob reports whether an email of the account references blob h, so
// that a JMAP download (RFC 8620 section 6.2) serves only the account's
// own blobs.
func (s *Store) HasBlob(ctx context.Context, account string, h store.Hash) (bool, error) {
	var ok bool
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		_, err := tx.Get(spaceAcctBlob, newKey(a.num).bytes(h[:]))
		ok = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("look up blob %s: %w", h, err)
	}
	return ok, nil
}
