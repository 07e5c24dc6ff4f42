package mailstore

import (
	"context"
	"fmt"
	"slices"
)

// resolveUIDs returns the entries of the given UIDs that exist in mailbox
// m, in ascending UID order; UIDs that do not exist are left out, as IMAP
// asks of UID commands (RFC 9051 section 6.4.9).
func (w *writer) resolveUIDs(m uint32, uids []uint32) ([]uint32, []entryRec, error) {
	sorted := slices.Clone(uids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	outU := make([]uint32, 0, len(sorted))
	outE := make([]entryRec, 0, len(sorted))
	for _, uid := range sorted {
		ent, err := w.entry(m, uid)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, nil, err
		}
		outU = append(outU, uid)
		outE = append(outE, ent)
	}
	return outU, outE, nil
}

// Copy copies messages of src to dst (RFC 9051 section 6.4.7). Each copy
// is a new email, with its own id and keywords, sharing the blob. It
// returns the source UIDs that existed, the UIDs they got in dst in the
// same order, and dst's UIDVALIDITY, for COPYUID (RFC 4315 section 3).
// The copies count against the quota: ErrOverQuota copies none.
func (s *Store) Copy(ctx context.Context, account string, src MailboxID, uids []uint32,
	dst MailboxID) (srcUIDs, dstUIDs []uint32, uidValidity uint32, err error) {
	err = s.update(ctx, account, func(w *writer) error {
		srcUIDs, dstUIDs, uidValidity = nil, nil, 0
		sm, _, err := w.mailboxByID(src)
		if err != nil {
			return err
		}
		dm, dmb, err := w.mailboxByID(dst)
		if err != nil {
			return err
		}
		uidValidity = dmb.uidValidity
		su, ents, err := w.resolveUIDs(sm, uids)
		if err != nil {
			return err
		}
		for i, ent := range ents {
			uid, err := w.copyEmail(ent.email, dm)
			if err != nil {
				return err
			}
			srcUIDs = append(srcUIDs, su[i])
			dstUIDs = append(dstUIDs, uid)
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("copy messages to %s: %w", dst, err)
	}
	return srcUIDs, dstUIDs, uidValidity, nil
}

// copyEmail makes a new email with the blob, keywords and received date of
// email e, in mailbox m.
func (w *writer) copyEmail(e uint64, m uint32) (uint32, error) {
	orig, err := w.email(e)
	if err != nil {
		return 0, err
	}
	arr, err := w.arrivalOf(e, orig)
	if err != nil {
		return 0, err
	}
	_, rec, err := w.addEmail(arr, []uint32{m}, orig.keywords, orig.received)
	if err != nil {
		return 0, err
	}
	return rec.links[0].uid, nil
}

// arrivalOf rebuilds the arrival of a stored email from its records, so
// that a copy needs no new parse.
func (w *writer) arrivalOf(e uint64, rec *emailRec) (*arrival, error) {
	a := w.acct.num
	parsed, err := w.tx.Get(spaceParsed, emailKey(a, e))
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	arr := &arrival{blob: rec.blob, size: rec.size, base: *rec,
		parsed: slices.Clone(parsed), terms: map[string]byte{}}
	arr.base.links, arr.base.keywords = nil, nil
	if err := w.docTerms(e, arr.terms); err != nil {
		return nil, err
	}
	th, err := w.thread(rec.thread)
	if err == nil && len(th.members) > 0 {
		// Reference the thread through a message id it is known by: the
		// copy joins the original's thread.
		arr.threadHint = rec.thread
	} else if err != nil && !isNotFound(err) {
		return nil, err
	}
	return arr, nil
}

// Move moves messages of src to dst in one transaction (RFC 6851): each
// keeps its email id, gets a new UID in dst and is expunged from src. The
// results are as for Copy.
func (s *Store) Move(ctx context.Context, account string, src MailboxID, uids []uint32,
	dst MailboxID) (srcUIDs, dstUIDs []uint32, uidValidity uint32, err error) {
	err = s.update(ctx, account, func(w *writer) error {
		srcUIDs, dstUIDs, uidValidity = nil, nil, 0
		sm, _, err := w.mailboxByID(src)
		if err != nil {
			return err
		}
		dm, dmb, err := w.mailboxByID(dst)
		if err != nil {
			return err
		}
		uidValidity = dmb.uidValidity
		su, ents, err := w.resolveUIDs(sm, uids)
		if err != nil {
			return err
		}
		for i, ent := range ents {
			uid, err := w.moveEmail(ent.email, sm, dm)
			if err != nil {
				return err
			}
			srcUIDs = append(srcUIDs, su[i])
			dstUIDs = append(dstUIDs, uid)
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("move messages to %s: %w", dst, err)
	}
	return srcUIDs, dstUIDs, uidValidity, nil
}

// moveEmail moves email e from mailbox sm to dm. An email already in dm
// (JMAP lets one email sit in several mailboxes) just leaves sm; its UID
// in dm is returned. Within one mailbox the email gets a new UID, as a
// copy and expunge would give it (RFC 6851 section 3.3).
func (w *writer) moveEmail(e uint64, sm, dm uint32) (uint32, error) {
	rec, err := w.email(e)
	if err != nil {
		return 0, err
	}
	if sm == dm {
		// A move within one mailbox gives the message a new UID.
		if err := w.unlink(rec, e, sm); err != nil {
			return 0, err
		}
		uid, err := w.link(rec, e, dm)
		if err != nil {
			return 0, err
		}
		return uid, w.updated(rec, e)
	}
	uid, ok := rec.link(dm)
	if !ok {
		if uid, err = w.link(rec, e, dm); err != nil {
			return 0, err
		}
	}
	if err := w.unlink(rec, e, sm); err != nil {
		return 0, err
	}
	if err := w.updated(rec, e); err != nil {
		return 0, err
	}
	return uid, nil
}

// updated writes an email record changed in place and logs it.
func (w *writer) updated(rec *emailRec, e uint64) error {
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	rec.modseq = q
	if err := w.putEmail(e, rec); err != nil {
		return err
	}
	return w.log(KindEmail, e, opUpdated)
}

// Store changes the keywords of messages of a mailbox (RFC 9051 section
// 6.4.6). With unchangedSince > 0 (RFC 7162 section 3.1.3) a message whose
// MODSEQ is greater is not changed and its UID is returned in failed.
// Keywords are per email, so an email in several mailboxes changes in all.
// updated lists the entries as they are after the change, including those
// whose keywords were already as asked (RFC 9051 reports them too), but
// only changed entries get a new MODSEQ.
func (s *Store) Store(ctx context.Context, account string, mbox MailboxID, uids []uint32,
	op FlagOp, keywords []string, unchangedSince uint64) (updated []Entry, failed []uint32,
	err error) {
	kws, err := normalizeKeywords(keywords)
	if err != nil {
		return nil, nil, fmt.Errorf("store flags: %w", err)
	}
	err = s.update(ctx, account, func(w *writer) error {
		updated, failed = nil, nil
		m, _, err := w.mailboxByID(mbox)
		if err != nil {
			return err
		}
		su, ents, err := w.resolveUIDs(m, uids)
		if err != nil {
			return err
		}
		for i, ent := range ents {
			if unchangedSince > 0 && ent.modseq > unchangedSince {
				failed = append(failed, su[i])
				continue
			}
			got, err := w.storeOne(m, su[i], ent, op, kws)
			if err != nil {
				return err
			}
			updated = append(updated, got)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store flags: %w", err)
	}
	return updated, failed, nil
}

func (w *writer) storeOne(m, uid uint32, ent entryRec, op FlagOp, kws []string) (Entry, error) {
	next := applyKeywords(ent.keywords, op, kws)
	if slices.Equal(next, ent.keywords) {
		return ent.entry(uid), nil
	}
	if err := checkKeywordCount(next); err != nil {
		return Entry{}, err
	}
	rec, err := w.email(ent.email)
	if err != nil {
		return Entry{}, err
	}
	if err := w.setKeywords(rec, ent.email, next); err != nil {
		return Entry{}, err
	}
	ent.keywords, ent.modseq = next, w.modseq
	return ent.entry(uid), nil
}

// Expunge removes exactly the given messages from a mailbox, whatever
// their keywords, and returns the UIDs removed in ascending order; a nil
// uids removes those with "$deleted" (IMAP EXPUNGE, RFC 9051 section
// 6.4.3). IMAP UID EXPUNGE (RFC 4315 section 2.1) removes only those with
// "$deleted": use ExpungeDeleted. An email left in no mailbox is
// destroyed; removed UIDs are remembered for QRESYNC.
func (s *Store) Expunge(ctx context.Context, account string, mbox MailboxID,
	uids []uint32) ([]uint32, error) {
	return s.expunge(ctx, account, mbox, uids, uids == nil)
}

// ExpungeDeleted removes the messages among uids that have "$deleted", or
// all messages with "$deleted" when uids is nil (RFC 4315 section 2.1 UID
// EXPUNGE, RFC 9051 section 6.4.3 EXPUNGE).
func (s *Store) ExpungeDeleted(ctx context.Context, account string, mbox MailboxID,
	uids []uint32) ([]uint32, error) {
	return s.expunge(ctx, account, mbox, uids, true)
}

func (s *Store) expunge(ctx context.Context, account string, mbox MailboxID,
	uids []uint32, onlyDeleted bool) ([]uint32, error) {
	var out []uint32
	err := s.update(ctx, account, func(w *writer) error {
		out = nil
		m, _, err := w.mailboxByID(mbox)
		if err != nil {
			return err
		}
		su, ents, err := w.expungeCandidates(m, uids)
		if err != nil {
			return err
		}
		for i, ent := range ents {
			if onlyDeleted && !hasKeyword(ent.keywords, KeywordDeleted) {
				continue
			}
			if err := w.removeFrom(ent.email, m); err != nil {
				return err
			}
			out = append(out, su[i])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expunge %s: %w", mbox, err)
	}
	return out, nil
}

func (w *writer) expungeCandidates(m uint32, uids []uint32) ([]uint32, []entryRec, error) {
	if uids != nil {
		return w.resolveUIDs(m, uids)
	}
	var su []uint32
	var ents []entryRec
	err := w.tx.Scan(spaceUID, prefixRange(mailboxKey(w.acct.num, m)), func(k, v []byte) error {
		ent, err := decodeEntry(v)
		if err != nil {
			return err
		}
		if hasKeyword(ent.keywords, KeywordDeleted) {
			su = append(su, be32(k[8:]))
			ents = append(ents, ent)
		}
		return nil
	})
	return su, ents, err
}

// removeFrom takes email e out of mailbox m, destroying it when it was in
// no other mailbox.
func (w *writer) removeFrom(e uint64, m uint32) error {
	rec, err := w.email(e)
	if err != nil {
		return err
	}
	if len(rec.links) == 1 && rec.links[0].mbox == m {
		return w.destroyEmail(rec, e)
	}
	if err := w.unlink(rec, e, m); err != nil {
		return err
	}
	return w.updated(rec, e)
}
