package mailstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// PurgeStats reports what Purge removed.
type PurgeStats struct {
	// Changes and Vanished count the change-log entries and expunged
	// UIDs trimmed.
	Changes, Vanished int
	// Blobs counts the blobs deleted.
	Blobs int
	// Indexed counts the emails whose full-text postings were merged.
	Indexed int
}

// purgeBatch caps the keys one purge transaction deletes, and mergeBatch
// the emails whose postings one transaction merges.
const (
	purgeBatch = 5000
	mergeBatch = 512
)

// Purge is the maintenance task the host runs on a schedule: it trims the
// change log and the expunged UIDs older than Options.ChangeRetention
// (clients with an older state then get ErrChangesTrimmed), merges the
// full-text postings still pending and drops those of destroyed emails,
// then sweeps
// the blob store with store.BlobRefs: a blob no reference has counted for
// Options.BlobGrace is deleted, be it a message no email holds any more
// or one whose delivery failed after writing it. Other packages keeping
// blobs in the same store count their references with store.BlobRefs too.
func (s *Store) Purge(ctx context.Context) (PurgeStats, error) {
	var st PurgeStats
	accounts, err := s.Accounts(ctx)
	if err != nil {
		return st, err
	}
	for _, acct := range accounts {
		if err := s.trimAccount(ctx, acct, &st); err != nil && !errors.Is(err, ErrNotFound) {
			return st, err
		}
		if err := s.mergeAccountPostings(ctx, acct, &st); err != nil && !errors.Is(err, ErrNotFound) {
			return st, err
		}
	}
	st.Blobs, err = store.BlobRefs{}.Sweep(ctx, s.kv, s.blobs, store.SweepOptions{
		Grace: s.opts.BlobGrace, Now: s.opts.Now, Logger: s.log})
	if err != nil {
		return st, fmt.Errorf("purge: %w", err)
	}
	s.log.Info("mailstore purge", "changes", st.Changes, "vanished", st.Vanished,
		"blobs", st.Blobs, "indexed", st.Indexed)
	return st, nil
}

// trimAccount trims one account's change log, a batch per transaction.
func (s *Store) trimAccount(ctx context.Context, account string, st *PurgeStats) error {
	cutoff := s.now().Add(-s.opts.ChangeRetention).Unix()
	for {
		var done bool
		err := s.kv.Update(ctx, func(tx store.Tx) error {
			a, err := getAccount(tx, account)
			if err != nil {
				return err
			}
			n, upTo, err := trimChanges(tx, a.num, cutoff)
			if err != nil {
				return err
			}
			done = n < purgeBatch
			if upTo <= a.trimmed {
				return nil
			}
			v, err := trimVanished(tx, a.num, upTo)
			if err != nil {
				return err
			}
			a.trimmed = upTo
			st.Changes += n
			st.Vanished += v
			return tx.Put(spaceAccount, []byte(account), a.encode())
		})
		if err != nil {
			return fmt.Errorf("trim changes of %s: %w", account, err)
		}
		if done {
			return nil
		}
	}
}

// trimChanges deletes up to purgeBatch change-log entries older than
// cutoff, whole MODSEQs at a time, and returns how many and the highest
// MODSEQ removed.
func trimChanges(tx store.Tx, a uint32, cutoff int64) (int, uint64, error) {
	var keys [][]byte
	var upTo, pending uint64
	var group [][]byte
	err := tx.Scan(spaceChange, store.Prefix(newKey(a)), func(k, v []byte) error {
		r, err := decodeChangeRow(k, v)
		if err != nil {
			return err
		}
		d := dec{b: v[2:]}
		if when := d.varint(); when >= cutoff {
			return store.ErrStop
		}
		if r.q != pending {
			// Whole MODSEQs only; a first one larger than a batch still
			// goes, or the trim would never move past it.
			if len(keys) > 0 && len(keys)+len(group) > purgeBatch {
				return store.ErrStop
			}
			keys, upTo = append(keys, group...), pending
			group, pending = group[:0], r.q
		}
		group = append(group, append([]byte(nil), k...))
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	if len(group) > 0 && (len(keys) == 0 || len(keys)+len(group) <= purgeBatch) {
		keys, upTo = append(keys, group...), pending
	}
	for _, k := range keys {
		if err := tx.Delete(spaceChange, k); err != nil {
			return 0, 0, err
		}
	}
	return len(keys), upTo, nil
}

// trimVanished deletes the expunged UIDs of every mailbox up to MODSEQ
// upTo.
func trimVanished(tx store.Tx, a uint32, upTo uint64) (int, error) {
	var ms []uint32
	err := tx.Scan(spaceMailbox, store.Prefix(newKey(a)), func(k, _ []byte) error {
		ms = append(ms, be32(k[4:]))
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		var keys [][]byte
		r := store.Range{Start: mailboxKey(a, m), End: mailboxKey(a, m).u64(upTo + 1)}
		err := tx.Scan(spaceVanished, r, func(k, _ []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		if err != nil {
			return 0, err
		}
		for _, k := range keys {
			if err := tx.Delete(spaceVanished, k); err != nil {
				return 0, err
			}
		}
		n += len(keys)
	}
	return n, nil
}

// mergeAccountPostings merges an account's pending postings, a batch per
// transaction.
func (s *Store) mergeAccountPostings(ctx context.Context, account string, st *PurgeStats) error {
	for {
		var n int
		err := s.kv.Update(ctx, func(tx store.Tx) error {
			a, err := getAccount(tx, account)
			if err != nil {
				return err
			}
			n, err = mergePostings(tx, a.num, mergeBatch)
			return err
		})
		if err != nil {
			return fmt.Errorf("purge: merge postings of %s: %w", account, err)
		}
		st.Indexed += n
		if n < mergeBatch {
			return nil
		}
	}
}
