package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// exportBatch is how many records Export reads per transaction.
const exportBatch = 256

// Limits on what Import takes from an export.
const (
	// MaxImportRecipients bounds the recipients of one imported message.
	MaxImportRecipients = 10000
	maxIDLen            = 128
	maxAddrLen          = 1024
)

// ErrBadMessage is returned by Import for a record that cannot be
// queued: no id, no recipient, a bad address or state, or content that
// does not match the recorded hash and size.
var ErrBadMessage = errors.New("queue: malformed message record")

// Export calls fn with every message queued in kv, in id order (the
// order of queueing): the envelope, the hash of the content in the blob
// store and each recipient's state, with attempts, next retry and last
// reply, so that a server's pending mail can move to another store
// (see package migrate). The queue need not run; records are read in
// batches, each a snapshot. Leases are cleared in the copies handed to
// fn, which may keep them.
func Export(ctx context.Context, kv store.KV, fn func(*Message) error) error {
	var after []byte
	for {
		var batch []*Message
		err := kv.View(ctx, func(tx store.Tx) error {
			batch = batch[:0]
			r := store.Range{Limit: exportBatch}
			if after != nil {
				r.Start = append(append([]byte(nil), after...), 0)
			}
			return tx.Scan(msgSpace, r, func(k, v []byte) error {
				m, err := decode(k, v)
				if err != nil {
					return err
				}
				batch = append(batch, m)
				return nil
			})
		})
		if err != nil {
			return fmt.Errorf("export queue: %w", err)
		}
		for _, m := range batch {
			m.LeaseOwner, m.LeaseUntil = "", time.Time{}
			m.Due = m.nextDue()
			if err := fn(m); err != nil {
				return fmt.Errorf("export queued message %s: %w", m.ID, err)
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		after = []byte(batch[len(batch)-1].ID)
	}
}

// Import queues a message record made by Export, with its content read
// from body, into kv and blobs: the content is stored and must match the
// record's hash and size, and the record is written with its recipients'
// states, due at its earliest retry, unleased. A queue running on kv
// picks it up at its next scan (Options.PollInterval) or on Wake. A
// message whose id is already queued is left as it is and body is not
// read, so that an interrupted import can run again.
func Import(ctx context.Context, kv store.KV, blobs store.BlobStore, m *Message,
	body io.Reader) error {
	if err := checkImport(m); err != nil {
		return err
	}
	want, _ := store.ParseHash(m.Blob)
	var held bool
	err := kv.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(msgSpace, []byte(m.ID))
		held = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil || held {
		return wrapImport(m.ID, err)
	}
	h, size, err := blobs.Put(ctx, body)
	if err != nil {
		return wrapImport(m.ID, err)
	}
	if h != want || size != m.Size {
		return fmt.Errorf("import queued message %s: content %s of %d octets: %w", m.ID, h,
			size, ErrBadMessage)
	}
	rec := *m
	rec.LeaseOwner, rec.LeaseUntil = "", time.Time{}
	rec.Due = rec.nextDue()
	err = kv.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(msgSpace, []byte(rec.ID)); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := (store.BlobRefs{}).Inc(tx, h); err != nil {
			return err
		}
		return save(tx, &rec, time.Time{})
	})
	return wrapImport(m.ID, err)
}

func wrapImport(id string, err error) error {
	if err != nil {
		return fmt.Errorf("import queued message %s: %w", id, err)
	}
	return nil
}

// checkImport refuses a record that could not be delivered or indexed.
func checkImport(m *Message) error {
	bad := func(what string) error {
		return fmt.Errorf("import queued message %.64q: %s: %w", m.ID, what, ErrBadMessage)
	}
	switch {
	case m == nil:
		return fmt.Errorf("import queued message: nil: %w", ErrBadMessage)
	case m.ID == "" || len(m.ID) > maxIDLen || strings.ContainsAny(m.ID, "\x00/"):
		return bad("id")
	case len(m.Recipients) == 0 || len(m.Recipients) > MaxImportRecipients:
		return bad("recipients")
	case len(m.From) > maxAddrLen || m.Size < 0:
		return bad("sender or size")
	}
	if _, err := store.ParseHash(m.Blob); err != nil {
		return bad("content hash")
	}
	queued := false
	for _, r := range m.Recipients {
		if r == nil || len(r.Address) > maxAddrLen || !strings.Contains(r.Address, "@") {
			return bad("recipient address")
		}
		switch r.State {
		case Queued:
			queued = true
		case Delivered, Failed, Cancelled:
		default:
			return bad("recipient state " + string(r.State))
		}
	}
	if !queued {
		return bad("nothing left to deliver")
	}
	return nil
}

// OpenContent opens the stored content of a message record, without
// the Prefix the record keeps, as Import expects it back.
func OpenContent(ctx context.Context, blobs store.BlobStore, m *Message) (io.ReadCloser, error) {
	h, err := store.ParseHash(m.Blob)
	if err != nil {
		return nil, fmt.Errorf("open queued message %s: %w", m.ID, ErrBadMessage)
	}
	rc, err := blobs.Open(ctx, h, 0, -1)
	if err != nil {
		return nil, fmt.Errorf("open queued message %s: %w", m.ID, err)
	}
	return rc, nil
}
