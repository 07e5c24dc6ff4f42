package mailstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// Deliver stores a message for each recipient: the raw message is written
// once to the blob store however many recipients there are, and every
// recipient's email is created in one transaction. A recipient that cannot
// take the message (ErrOverQuota, ErrNotFound for an unknown account or
// mailbox) is skipped with Delivered[i].Err set, before anything is written
// for it, so the others are still delivered. Keywords that are not valid
// are dropped, as RFC 5232 section 3 asks of Sieve flags. A zero received
// means now. The returned error is set only when the message could not be
// read or stored at all; r is read to its end.
func (s *Store) Deliver(ctx context.Context, r io.Reader, received time.Time,
	rcpts []Recipient) ([]Delivered, error) {
	if received.IsZero() {
		received = s.now()
	}
	arr, err := s.storeMessage(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	out, err := s.deliverAll(ctx, arr, received, rcpts)
	if err != nil {
		// Something failed midway: deliver one by one so that the
		// failure stays with the recipient it concerns.
		s.log.Warn("delivery in one transaction failed", "err", err)
		for i, rc := range rcpts {
			out[i] = s.deliverOne(ctx, arr, received, rc)
		}
	}
	return out, nil
}

// deliverAll delivers to every recipient in one transaction.
func (s *Store) deliverAll(ctx context.Context, arr *arrival, received time.Time,
	rcpts []Recipient) ([]Delivered, error) {
	out := make([]Delivered, len(rcpts))
	var evs []Event
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		evs = evs[:0]
		for i, rc := range rcpts {
			d, ev, err := s.deliverIn(ctx, tx, arr, received, rc)
			if err != nil {
				return err
			}
			out[i] = d
			if d.Err == nil {
				evs = append(evs, ev)
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	for _, ev := range evs {
		s.notifier.Publish(ev)
	}
	return out, nil
}

// deliverIn creates one recipient's email inside tx. A recipient that
// cannot take the message gets Delivered.Err before anything is written;
// the error returned means the transaction must be abandoned.
func (s *Store) deliverIn(ctx context.Context, tx store.Tx, arr *arrival,
	received time.Time, rc Recipient) (Delivered, Event, error) {
	d := Delivered{Account: rc.Account}
	a, err := getAccount(tx, rc.Account)
	if err != nil {
		d.Err = fmt.Errorf("deliver to %s: %w", rc.Account, err)
		return d, Event{}, ignoreNotFound(err)
	}
	w := s.newWriter(ctx, tx, rc.Account, a)
	m, err := w.targetMailbox(rc.Mailbox)
	if err == nil {
		err = w.checkQuota(1, arr.size)
	}
	if err != nil {
		d.Err = fmt.Errorf("deliver to %s: %w", rc.Account, err)
		if isNotFound(err) || errors.Is(err, ErrOverQuota) {
			err = nil
		}
		return d, Event{}, err
	}
	e, rec, err := w.addEmail(arr, []uint32{m}, deliveryKeywords(rc.Keywords), received.Unix())
	if err == nil {
		err = w.flush()
	}
	if err != nil {
		return d, Event{}, err
	}
	d.EmailID, d.Mailbox, d.UID = emailID(e), mailboxID(m), rec.links[0].uid
	return d, w.event(), nil
}

func ignoreNotFound(err error) error {
	if isNotFound(err) {
		return nil
	}
	return err
}

// deliveryKeywords normalises delivery keywords, dropping invalid ones.
func deliveryKeywords(in []string) []string {
	var kws []string
	for _, k := range in {
		if n, err := NormalizeKeyword(k); err == nil {
			kws = append(kws, n)
		}
	}
	kws, _ = normalizeKeywords(kws)
	return kws
}

// deliverOne delivers to one recipient in a transaction of its own.
func (s *Store) deliverOne(ctx context.Context, arr *arrival, received time.Time,
	rc Recipient) Delivered {
	d := Delivered{Account: rc.Account}
	kws := deliveryKeywords(rc.Keywords)
	err := s.update(ctx, rc.Account, func(w *writer) error {
		m, err := w.targetMailbox(rc.Mailbox)
		if err != nil {
			return err
		}
		e, rec, err := w.addEmail(arr, []uint32{m}, kws, received.Unix())
		if err != nil {
			return err
		}
		d.EmailID, d.Mailbox, d.UID = emailID(e), mailboxID(m), rec.links[0].uid
		return nil
	})
	if err != nil {
		d = Delivered{Account: rc.Account, Err: fmt.Errorf("deliver to %s: %w", rc.Account, err)}
	}
	return d
}

// targetMailbox resolves a delivery's mailbox, the inbox when empty.
func (w *writer) targetMailbox(id MailboxID) (uint32, error) {
	if id == "" {
		return lookupName(w.tx, w.acct.num, InboxName)
	}
	m, _, err := w.mailboxByID(id)
	return m, err
}

// Append stores a message in a mailbox (RFC 9051 section 6.3.12) and
// returns its entry and the mailbox's UIDVALIDITY for APPENDUID (RFC 4315
// section 3: UIDVALIDITY first, then the UID). A zero received means now.
func (s *Store) Append(ctx context.Context, account string, mbox MailboxID, r io.Reader,
	keywords []string, received time.Time) (Entry, uint32, error) {
	kws, err := normalizeKeywords(keywords)
	if err != nil {
		return Entry{}, 0, fmt.Errorf("append: %w", err)
	}
	if received.IsZero() {
		received = s.now()
	}
	if err := s.precheck(ctx, account, mbox); err != nil {
		return Entry{}, 0, fmt.Errorf("append: %w", err)
	}
	arr, err := s.storeMessage(ctx, r)
	if err != nil {
		return Entry{}, 0, fmt.Errorf("append: %w", err)
	}
	var ent Entry
	var uv uint32
	err = s.update(ctx, account, func(w *writer) error {
		m, mb, err := w.mailboxByID(mbox)
		if err != nil {
			return err
		}
		e, rec, err := w.addEmail(arr, []uint32{m}, kws, received.Unix())
		if err != nil {
			return err
		}
		ent = Entry{UID: rec.links[0].uid, EmailID: emailID(e), ModSeq: w.modseq,
			Keywords: kws, Received: time.Unix(rec.received, 0).UTC(), Size: rec.size}
		uv = mb.uidValidity
		return nil
	})
	if err != nil {
		return Entry{}, 0, fmt.Errorf("append: %w", err)
	}
	return ent, uv, nil
}

// precheck fails early, before the message is read, when the account or
// mailbox does not exist or the account is already at its quota.
func (s *Store) precheck(ctx context.Context, account string, mbox MailboxID) error {
	return s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		if _, err := readMailbox(tx, a.num, mbox); err != nil {
			return err
		}
		if a.maxMessages > 0 && a.messages >= a.maxMessages ||
			a.maxBytes > 0 && a.bytes >= a.maxBytes {
			return ErrOverQuota
		}
		return nil
	})
}

// Import creates an email from a message already in the blob store (JMAP
// Email/import, RFC 8621 section 4.8). A zero received takes the date of
// the topmost Received header field, or now when there is none or it lies
// in the future.
func (s *Store) Import(ctx context.Context, account string, blob store.Hash,
	mailboxes []MailboxID, keywords []string, received time.Time) (*Email, error) {
	kws, err := normalizeKeywords(keywords)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if len(mailboxes) == 0 {
		return nil, fmt.Errorf("import: no mailbox: %w", ErrForbidden)
	}
	arr, err := s.loadMessage(ctx, blob)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if now := s.now(); received.IsZero() {
		received = arr.lastReceived
		if received.IsZero() || received.After(now) {
			received = now
		}
	}
	var id EmailID
	err = s.update(ctx, account, func(w *writer) error {
		ms, err := w.mailboxNums(mailboxes)
		if err != nil {
			return err
		}
		e, _, err := w.addEmail(arr, ms, kws, received.Unix())
		id = emailID(e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return s.Email(ctx, account, id)
}

// mailboxNums resolves distinct mailbox ids, checking that they exist.
func (w *writer) mailboxNums(ids []MailboxID) ([]uint32, error) {
	out := make([]uint32, 0, len(ids))
	seen := map[uint32]bool{}
	for _, id := range ids {
		m, _, err := w.mailboxByID(id)
		if err != nil {
			return nil, err
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out, nil
}
