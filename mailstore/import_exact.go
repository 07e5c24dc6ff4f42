package mailstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// ErrUIDOrder is returned by ImportExact and LinkExact for a UID that is
// not greater than every UID the mailbox has given, and for a MODSEQ that
// is not below the account's next one: taking it would break the order
// IMAP clients rely on (RFC 9051 section 2.3.1.1, RFC 7162 section 3.1).
var ErrUIDOrder = errors.New("mailstore: UID or MODSEQ out of order")

// ExactLink places an imported email in a mailbox under the UID, and
// optionally the MODSEQ, it had on the server it comes from.
type ExactLink struct {
	Mailbox MailboxID
	// UID must be greater than every UID the mailbox has given; the
	// mailbox's UIDNEXT moves past it.
	UID uint32
	// ModSeq, when not zero, is the MODSEQ of the message in this
	// mailbox (RFC 7162 section 3.1): it must be lower than the MODSEQ
	// the import's transaction draws, so RaiseModSeq is called first.
	// Zero takes the transaction's MODSEQ, as Append does.
	ModSeq uint64
}

// CreateMailboxExact creates a mailbox, and its missing parents, with a
// given UIDVALIDITY (RFC 9051 section 2.3.1.1), for importing a mailbox
// from another server so that its clients keep their cached UIDs. A
// mailbox of that name that has never given a UID (such as the default
// mailboxes of a new account) takes the UIDVALIDITY instead; one that
// already has it is returned as it is, so an interrupted import can run
// again. Any other existing mailbox is ErrExists. UIDNEXT starts at 1 and
// moves with ImportExact and SetUIDNext. The counter new mailboxes draw
// their UIDVALIDITY from is raised past uidValidity so that a mailbox
// created later under the same name gets another value.
func (s *Store) CreateMailboxExact(ctx context.Context, account, name string,
	uidValidity uint32) (Mailbox, error) {
	if uidValidity == 0 {
		return Mailbox{}, fmt.Errorf("create mailbox %q: UIDVALIDITY must not be 0: %w", name,
			ErrForbidden)
	}
	var mb Mailbox
	err := s.update(ctx, account, func(w *writer) error {
		n, err := normalizeName(name)
		if err != nil {
			return err
		}
		m, err := lookupName(w.tx, w.acct.num, n)
		if errors.Is(err, ErrNotFound) {
			if _, err = w.createMailbox(n, ""); err == nil {
				m, err = lookupName(w.tx, w.acct.num, n)
			}
		}
		if err != nil {
			return err
		}
		rec, err := w.mailbox(m)
		if err != nil {
			return err
		}
		if rec.uidValidity != uidValidity {
			last, err := w.tx.Counter(spaceCounter, uidCounterKey(w.acct.num, m))
			if err != nil {
				return err
			}
			if last != 0 || rec.total != 0 {
				return fmt.Errorf("mailbox %q holds UIDs of UIDVALIDITY %d: %w", n,
					rec.uidValidity, ErrExists)
			}
			rec.uidValidity = uidValidity
			if err := w.touch(m, opUpdated); err != nil {
				return err
			}
		}
		if err := w.raiseUIDValidity(uidValidity); err != nil {
			return err
		}
		mb, err = mailboxView(w.tx, w.acct.num, m, rec)
		return err
	})
	if err != nil {
		return Mailbox{}, fmt.Errorf("create mailbox %q: %w", name, err)
	}
	return mb, nil
}

// raiseUIDValidity moves the shared UIDVALIDITY counter to at least v.
func (w *writer) raiseUIDValidity(v uint32) error {
	cur, err := w.tx.Counter(spaceCounter, ctrUIDValidityKey)
	if err != nil {
		return err
	}
	if uint64(v) > cur {
		_, err = w.tx.Add(spaceCounter, ctrUIDValidityKey, uint64(v)-cur)
	}
	return err
}

// SetUIDNext raises a mailbox's UIDNEXT to uidNext, as the server an
// import comes from had it; a lower value changes nothing, since UIDs are
// never given twice (RFC 9051 section 2.3.1.1).
func (s *Store) SetUIDNext(ctx context.Context, account string, id MailboxID,
	uidNext uint32) error {
	err := s.update(ctx, account, func(w *writer) error {
		m, _, err := w.mailboxByID(id)
		if err != nil {
			return err
		}
		k := uidCounterKey(w.acct.num, m)
		last, err := w.tx.Counter(spaceCounter, k)
		if err != nil {
			return err
		}
		if uidNext == 0 || uint64(uidNext-1) <= last {
			return nil
		}
		if _, err := w.tx.Add(spaceCounter, k, uint64(uidNext-1)-last); err != nil {
			return err
		}
		return w.touch(m, opUpdated)
	})
	if err != nil {
		return fmt.Errorf("set UIDNEXT of %s: %w", id, err)
	}
	return nil
}

// RaiseModSeq moves the account's MODSEQ counter up to q, so that
// MODSEQs kept from another server (ExactLink.ModSeq) stay below every
// MODSEQ given from now on (RFC 7162 section 3.1: they only grow). The
// changes up to q happened on that other server and are not in the change
// log, so a state at or below q is then reported as trimmed
// (ErrChangesTrimmed): a JMAP client fetches anew (RFC 8620 section 5.2,
// cannotCalculateChanges) and IMAP QRESYNC falls back to the UIDs the
// client knows (RFC 7162 section 3.2.5.2). A q not above the counter
// changes nothing.
func (s *Store) RaiseModSeq(ctx context.Context, account string, q uint64) error {
	err := s.update(ctx, account, func(w *writer) error {
		k := newKey(w.acct.num).byte(ctrModSeq)
		cur, err := w.tx.Counter(spaceCounter, k)
		if err != nil || q <= cur {
			return err
		}
		if _, err = w.tx.Add(spaceCounter, k, q-cur); err != nil {
			return err
		}
		w.acct.trimmed = max(w.acct.trimmed, q+1)
		w.acctDirty = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("raise MODSEQ of %s: %w", account, err)
	}
	return nil
}

// EmailAt returns the email a mailbox holds under a UID, or ErrNotFound.
func (s *Store) EmailAt(ctx context.Context, account string, mbox MailboxID,
	uid uint32) (EmailID, error) {
	var id EmailID
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		m, ok := mbox.num()
		if !ok {
			return fmt.Errorf("mailbox %s: %w", mbox, ErrNotFound)
		}
		b, err := tx.Get(spaceUID, uidKey(a.num, m, uid))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("UID %d in mailbox %s: %w", uid, mbox, ErrNotFound)
		}
		if err != nil {
			return err
		}
		ent, err := decodeEntry(b)
		id = emailID(ent.email)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("email at UID %d: %w", uid, err)
	}
	return id, nil
}

// ImportExact creates an email from a message already in the blob store,
// as Import does, but under the UIDs (and MODSEQs) given by links, for
// moving a mailbox from another server with its IMAP state. Each UID must
// be greater than every UID its mailbox has given (ErrUIDOrder), so UIDs
// still only grow and are never reused. The email counts against the
// quota, joins its thread and is indexed for search as any new email; the
// change log records its creation under a new MODSEQ. A zero received is
// taken as Import takes it.
func (s *Store) ImportExact(ctx context.Context, account string, blob store.Hash,
	links []ExactLink, keywords []string, received time.Time) (EmailID, error) {
	kws, err := normalizeKeywords(keywords)
	if err != nil {
		return "", fmt.Errorf("import exact: %w", err)
	}
	if len(links) == 0 {
		return "", fmt.Errorf("import exact: no mailbox: %w", ErrForbidden)
	}
	arr, err := s.loadMessage(ctx, blob)
	if err != nil {
		return "", fmt.Errorf("import exact: %w", err)
	}
	if now := s.now(); received.IsZero() {
		received = arr.lastReceived
		if received.IsZero() || received.After(now) {
			received = now
		}
	}
	var id EmailID
	err = s.update(ctx, account, func(w *writer) error {
		e, _, err := w.createEmail(arr, kws, received.Unix(),
			func(rec *emailRec, e uint64) error {
				for _, l := range links {
					if err := w.linkExact(rec, e, l); err != nil {
						return err
					}
				}
				return nil
			})
		id = emailID(e)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("import exact: %w", err)
	}
	return id, nil
}

// LinkExact adds an existing email to one more mailbox under a given UID
// (and MODSEQ), as ImportExact would have: for an email whose UIDs in its
// mailboxes were given in an order no single creation can follow. The
// change is logged as an update of the email.
func (s *Store) LinkExact(ctx context.Context, account string, id EmailID,
	link ExactLink) error {
	err := s.update(ctx, account, func(w *writer) error {
		e, rec, err := w.emailByID(id)
		if err != nil {
			return err
		}
		if err := w.linkExact(rec, e, link); err != nil {
			return err
		}
		if err := w.putEmail(e, rec); err != nil {
			return err
		}
		return w.log(KindEmail, e, opUpdated)
	})
	if err != nil {
		return fmt.Errorf("link email %s: %w", id, err)
	}
	return nil
}

// linkExact puts email e into a mailbox under the link's UID, moving the
// mailbox's UID counter to it, and keeps the email's MODSEQ the highest
// of its entries'.
func (w *writer) linkExact(rec *emailRec, e uint64, l ExactLink) error {
	m, mb, err := w.mailboxByID(l.Mailbox)
	if err != nil {
		return err
	}
	if _, ok := rec.link(m); ok {
		return fmt.Errorf("email %s already in mailbox %s: %w", emailID(e), l.Mailbox, ErrExists)
	}
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	if l.ModSeq >= q {
		return fmt.Errorf("MODSEQ %d not below %d: %w", l.ModSeq, q, ErrUIDOrder)
	}
	k := uidCounterKey(w.acct.num, m)
	last, err := w.tx.Counter(spaceCounter, k)
	if err != nil {
		return err
	}
	if uint64(l.UID) <= last {
		return fmt.Errorf("UID %d in mailbox %s, last given %d: %w", l.UID, l.Mailbox, last,
			ErrUIDOrder)
	}
	if _, err := w.tx.Add(spaceCounter, k, uint64(l.UID)-last); err != nil {
		return err
	}
	if err := w.linkAt(rec, e, m, mb, l.UID, l.ModSeq); err != nil {
		return err
	}
	switch {
	case l.ModSeq == 0:
		rec.modseq = q
	case len(rec.links) == 1 || l.ModSeq > rec.modseq:
		rec.modseq = l.ModSeq
	}
	return nil
}
