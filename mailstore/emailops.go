package mailstore

import (
	"errors"
	"fmt"
	"math"

	"github.com/bulwarkmail/bulwark/store"
)

// checkQuota fails with ErrOverQuota when adding messages of size bytes
// would exceed the account's limits (RFC 9208 section 5.1).
func (w *writer) checkQuota(messages, bytes int64) error {
	a := &w.acct
	if a.maxMessages > 0 && a.messages+messages > a.maxMessages {
		return ErrOverQuota
	}
	if a.maxBytes > 0 && a.bytes+bytes > a.maxBytes {
		return ErrOverQuota
	}
	return nil
}

func (w *writer) addUsage(messages, bytes int64) {
	w.acct.messages += messages
	w.acct.bytes += bytes
	w.acctDirty = true
}

// addEmail creates an email from an arrival, in the given mailboxes, and
// returns its number and record.
func (w *writer) addEmail(arr *arrival, mboxes []uint32, keywords []string,
	received int64) (uint64, *emailRec, error) {
	return w.createEmail(arr, keywords, received, func(rec *emailRec, e uint64) error {
		for _, m := range mboxes {
			if _, err := w.link(rec, e, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// createEmail creates an email from an arrival; links puts it in its
// mailboxes before the record is written.
func (w *writer) createEmail(arr *arrival, keywords []string, received int64,
	links func(rec *emailRec, e uint64) error) (uint64, *emailRec, error) {
	if err := w.checkQuota(1, arr.size); err != nil {
		return 0, nil, err
	}
	e, err := w.nextID(ctrEmail)
	if err != nil {
		return 0, nil, err
	}
	q, err := w.nextModSeq()
	if err != nil {
		return 0, nil, err
	}
	rec := arr.base
	rec.keywords = keywords
	rec.received = received
	rec.modseq = q
	rec.links = nil
	if rec.sent == 0 {
		// RFC 5256 section 3 (DATE): without a usable Date, the
		// internal date stands in.
		rec.sent = received
	}
	if err := w.joinThread(&rec, e, arr.msgIDs, arr.threadHint); err != nil {
		return 0, nil, err
	}
	if err := links(&rec, e); err != nil {
		return 0, nil, err
	}
	a := w.acct.num
	if err := w.tx.Put(spaceParsed, emailKey(a, e), arr.parsed); err != nil {
		return 0, nil, err
	}
	if err := w.indexTerms(e, arr.terms); err != nil {
		return 0, nil, err
	}
	if err := w.s.refBlob(w.ctx, w.tx, rec.blob); err != nil {
		return 0, nil, err
	}
	if err := refAccountBlob(w.tx, a, rec.blob, 1); err != nil {
		return 0, nil, err
	}
	w.addUsage(1, rec.size)
	if err := w.putEmail(e, &rec); err != nil {
		return 0, nil, err
	}
	return e, &rec, w.log(KindEmail, e, opCreated)
}

func (w *writer) putEmail(e uint64, rec *emailRec) error {
	return w.tx.Put(spaceEmail, emailKey(w.acct.num, e), rec.encode())
}

// link puts email e into mailbox m under the mailbox's next UID.
func (w *writer) link(rec *emailRec, e uint64, m uint32) (uint32, error) {
	mb, err := w.mailbox(m)
	if err != nil {
		return 0, err
	}
	if _, ok := rec.link(m); ok {
		return 0, fmt.Errorf("email %s already in mailbox %s: %w",
			emailID(e), mailboxID(m), ErrExists)
	}
	a := w.acct.num
	next, err := w.tx.Add(spaceCounter, uidCounterKey(a, m), 1)
	if err != nil {
		return 0, err
	}
	if next > math.MaxUint32 {
		return 0, fmt.Errorf("mailbox %s: UIDs exhausted", mailboxID(m))
	}
	uid := uint32(next)
	return uid, w.linkAt(rec, e, m, mb, uid, 0)
}

// linkAt writes the entry of email e under uid in mailbox m, with MODSEQ
// entryQ, or this transaction's MODSEQ when entryQ is zero.
func (w *writer) linkAt(rec *emailRec, e uint64, m uint32, mb *mailboxRec, uid uint32,
	entryQ uint64) error {
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	if entryQ == 0 {
		entryQ = q
	}
	a := w.acct.num
	ent := newEntry(e, entryQ, rec)
	if err := w.tx.Put(spaceUID, uidKey(a, m, uid), ent.encode()); err != nil {
		return err
	}
	if err := w.tx.Put(spaceModSeq, modseqKey(a, m, entryQ, uid), nil); err != nil {
		return err
	}
	rec.links = append(rec.links, mailboxLink{m, uid})
	mb.total++
	mb.size += rec.size
	if !seen(rec.keywords) {
		mb.unread++
	}
	return w.touch(m, opCounts)
}

// unlink takes email e out of mailbox m, remembering the UID as expunged
// for QRESYNC (RFC 7162 section 3.2.10).
func (w *writer) unlink(rec *emailRec, e uint64, m uint32) error {
	uid, ok := rec.link(m)
	if !ok {
		return fmt.Errorf("email %s in mailbox %s: %w", emailID(e), mailboxID(m), ErrNotFound)
	}
	mb, err := w.mailbox(m)
	if err != nil {
		return err
	}
	a := w.acct.num
	ent, err := w.entry(m, uid)
	if err != nil {
		return err
	}
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	if err := w.tx.Delete(spaceModSeq, modseqKey(a, m, ent.modseq, uid)); err != nil {
		return err
	}
	if err := w.tx.Delete(spaceUID, uidKey(a, m, uid)); err != nil {
		return err
	}
	if err := w.tx.Put(spaceVanished, modseqKey(a, m, q, uid), nil); err != nil {
		return err
	}
	rec.links = removeLink(rec.links, m)
	mb.total--
	mb.size -= rec.size
	if !seen(rec.keywords) {
		mb.unread--
	}
	return w.touch(m, opCounts)
}

func removeLink(links []mailboxLink, m uint32) []mailboxLink {
	out := links[:0]
	for _, l := range links {
		if l.mbox != m {
			out = append(out, l)
		}
	}
	return out
}

// entry reads the entry of a UID in mailbox m.
func (w *writer) entry(m, uid uint32) (entryRec, error) {
	b, err := w.tx.Get(spaceUID, uidKey(w.acct.num, m, uid))
	if errors.Is(err, store.ErrNotFound) {
		return entryRec{}, fmt.Errorf("UID %d in mailbox %s: %w", uid, mailboxID(m), ErrNotFound)
	}
	if err != nil {
		return entryRec{}, err
	}
	return decodeEntry(b)
}

// setKeywords gives email e new keywords, rewriting its entry in every
// mailbox under this transaction's MODSEQ.
func (w *writer) setKeywords(rec *emailRec, e uint64, kws []string) error {
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	wasSeen, isSeen := seen(rec.keywords), seen(kws)
	rec.keywords = kws
	rec.modseq = q
	a := w.acct.num
	for _, l := range rec.links {
		ent, err := w.entry(l.mbox, l.uid)
		if err != nil {
			return err
		}
		if err := w.tx.Delete(spaceModSeq, modseqKey(a, l.mbox, ent.modseq, l.uid)); err != nil {
			return err
		}
		ent.modseq, ent.keywords = q, kws
		if err := w.tx.Put(spaceUID, uidKey(a, l.mbox, l.uid), ent.encode()); err != nil {
			return err
		}
		if err := w.tx.Put(spaceModSeq, modseqKey(a, l.mbox, q, l.uid), nil); err != nil {
			return err
		}
		op := opUpdated // HIGHESTMODSEQ moves even when counts stay
		if wasSeen != isSeen {
			mb, err := w.mailbox(l.mbox)
			if err != nil {
				return err
			}
			if isSeen {
				mb.unread--
			} else {
				mb.unread++
			}
			op = opCounts
		}
		if err := w.touchQuiet(l.mbox, op); err != nil {
			return err
		}
	}
	if err := w.putEmail(e, rec); err != nil {
		return err
	}
	return w.log(KindEmail, e, opUpdated)
}

// touchQuiet moves a mailbox's HIGHESTMODSEQ; the JMAP change log hears of
// it only when its counts changed (opCounts), since the JMAP Mailbox
// object is otherwise the same.
func (w *writer) touchQuiet(m uint32, op changeOp) error {
	if op == opCounts {
		return w.touch(m, op)
	}
	mb, err := w.mailbox(m)
	if err != nil {
		return err
	}
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	mb.modseq = q
	if !w.dirty[m] {
		w.dirty[m] = true
		w.touched = append(w.touched, m)
	}
	return nil
}

// destroyEmail removes email e with every trace of it but the change log,
// the expunged UIDs and the blob, which Purge sweeps.
func (w *writer) destroyEmail(rec *emailRec, e uint64) error {
	for len(rec.links) > 0 {
		if err := w.unlink(rec, e, rec.links[0].mbox); err != nil {
			return err
		}
	}
	if err := w.leaveThread(rec, e); err != nil {
		return err
	}
	if err := w.unindexTerms(e); err != nil {
		return err
	}
	a := w.acct.num
	if err := w.tx.Delete(spaceParsed, emailKey(a, e)); err != nil {
		return err
	}
	if err := w.tx.Delete(spaceEmail, emailKey(a, e)); err != nil {
		return err
	}
	if err := w.s.unrefBlob(w.tx, rec.blob); err != nil {
		return err
	}
	if err := refAccountBlob(w.tx, a, rec.blob, -1); err != nil {
		return err
	}
	w.addUsage(-1, -rec.size)
	return w.log(KindEmail, e, opDestroyed)
}

// email reads the record of email e.
func (w *writer) email(e uint64) (*emailRec, error) {
	rec, err := getEmailNum(w.tx, w.acct.num, e)
	if err != nil {
		return nil, err
	}
	return &rec, nil
}
