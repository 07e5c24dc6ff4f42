package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwarkmail/bulwark/store"
)

// List returns up to limit queued messages, oldest first; limit <= 0
// means all.
func (q *Queue) List(ctx context.Context, limit int) ([]*Message, error) {
	var out []*Message
	err := q.opts.KV.View(ctx, func(tx store.Tx) error {
		out = out[:0]
		return tx.Scan(msgSpace, store.Range{Limit: limit}, func(k, v []byte) error {
			m, err := decode(k, v)
			if err == nil {
				out = append(out, m)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list queue: %w", err)
	}
	return out, nil
}

// Inspect returns one queued message, or ErrNotFound.
func (q *Queue) Inspect(ctx context.Context, id string) (*Message, error) {
	var m *Message
	err := q.opts.KV.View(ctx, func(tx store.Tx) error {
		var err error
		m, err = load(tx, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("inspect %s: %w", id, ErrNotFound)
	}
	return m, err
}

// Retry makes a message's queued recipients due now: all of them, or
// only rcpt when it is not "".
func (q *Queue) Retry(ctx context.Context, id, rcpt string) error {
	err := q.modify(ctx, id, rcpt, func(m *Message, r *Recipient) {
		if r.State == Queued {
			r.NextAttempt = q.opts.Now()
		}
	})
	q.Wake()
	return err
}

// Cancel drops a message's queued recipients without notification: all
// of them, or only rcpt when it is not "". A message with nothing left
// to deliver leaves the queue.
func (q *Queue) Cancel(ctx context.Context, id, rcpt string) error {
	return q.modify(ctx, id, rcpt, func(m *Message, r *Recipient) {
		if r.State == Queued {
			r.State = Cancelled
		}
	})
}

// modify applies fn to the chosen recipients in one transaction and
// re-indexes the message.
func (q *Queue) modify(ctx context.Context, id, rcpt string, fn func(*Message, *Recipient)) error {
	err := q.opts.KV.Update(ctx, func(tx store.Tx) error {
		m, err := load(tx, id)
		if err != nil {
			return err
		}
		found := false
		for _, r := range m.Recipients {
			if rcpt == "" || strings.EqualFold(r.Address, rcpt) {
				fn(m, r)
				found = true
			}
		}
		if !found {
			return store.ErrNotFound
		}
		if m.final() {
			return remove(tx, m)
		}
		old := m.Due
		if m.LeaseOwner == "" || m.LeaseUntil.Before(q.opts.Now()) {
			m.Due = m.nextDue()
		}
		return save(tx, m, old)
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("modify %s: %w", id, ErrNotFound)
	}
	return err
}
