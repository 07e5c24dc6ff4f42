package mailstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwarkmail/bulwark/msgparse"
	"github.com/bulwarkmail/bulwark/store"
)

// List returns the messages of a mailbox in ascending UID order, with the
// mailbox as of the same snapshot (its UIDNEXT, HIGHESTMODSEQ and counts
// agree with the list).
func (s *Store) List(ctx context.Context, account string,
	mbox MailboxID) ([]Entry, Mailbox, error) {
	var out []Entry
	var mb Mailbox
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		var err error
		if mb, err = readMailbox(tx, a.num, mbox); err != nil {
			return err
		}
		m, _ := mbox.num()
		out = make([]Entry, 0, mb.Total)
		var ed entryDecoder
		return tx.Scan(spaceUID, store.Prefix(mailboxKey(a.num, m)), func(k, v []byte) error {
			ent, err := ed.decode(v)
			if err != nil {
				return err
			}
			out = append(out, ent.entry(be32(k[8:])))
			return nil
		})
	})
	if err != nil {
		return nil, Mailbox{}, fmt.Errorf("list mailbox %s: %w", mbox, err)
	}
	return out, mb, nil
}

// Email returns an email by id, with its parsed structure.
func (s *Store) Email(ctx context.Context, account string, id EmailID) (*Email, error) {
	ems, err := s.Emails(ctx, account, []EmailID{id})
	if err != nil {
		return nil, err
	}
	if ems[0] == nil {
		return nil, fmt.Errorf("get email %s: %w", id, ErrNotFound)
	}
	return ems[0], nil
}

// Emails returns several emails in one snapshot, in the order of ids; the
// entry of an id that does not exist is nil (JMAP Email/get notFound).
func (s *Store) Emails(ctx context.Context, account string, ids []EmailID) ([]*Email, error) {
	out := make([]*Email, len(ids))
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		for i, id := range ids {
			em, err := readEmail(tx, a.num, id)
			if isNotFound(err) {
				out[i] = nil
				continue
			}
			if err != nil {
				return err
			}
			out[i] = em
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get emails: %w", err)
	}
	return out, nil
}

func readEmail(tx store.Tx, a uint32, id EmailID) (*Email, error) {
	rec, err := getEmail(tx, a, id)
	if err != nil {
		return nil, err
	}
	em := emailView(id, &rec)
	n, _ := id.num()
	b, err := tx.Get(spaceParsed, emailKey(a, n))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if len(b) > 0 {
		em.Parsed = new(msgparse.Message)
		if err := em.Parsed.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("decode parsed message of %s: %w", id, err)
		}
	}
	return em, nil
}

func emailView(id EmailID, rec *emailRec) *Email {
	em := &Email{
		ID: id, ThreadID: threadID(rec.thread), Blob: rec.blob, Size: rec.size,
		Received: time.Unix(rec.received, 0).UTC(), Keywords: rec.keywords,
		Mailboxes: make(map[MailboxID]uint32, len(rec.links)), ModSeq: rec.modseq,
	}
	for _, l := range rec.links {
		em.Mailboxes[mailboxID(l.mbox)] = l.uid
	}
	return em
}
