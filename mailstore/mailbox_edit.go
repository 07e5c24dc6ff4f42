package mailstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/bulwarkmail/bulwark/store"
)

// RenameMailbox renames a mailbox; its children move with it and keep
// their ids and UIDVALIDITY. Missing parents of the new name are created.
// Renaming INBOX is special (RFC 9051 section 6.3.6): its messages move to
// a new mailbox of the new name and INBOX stays, empty.
func (s *Store) RenameMailbox(ctx context.Context, account string, id MailboxID,
	newName string) error {
	err := s.update(ctx, account, func(w *writer) error {
		n, err := normalizeName(newName)
		if err != nil {
			return err
		}
		m, mb, err := w.mailboxByID(id)
		if err != nil {
			return err
		}
		if n == mb.name {
			return nil
		}
		if _, err := lookupName(w.tx, w.acct.num, n); err == nil {
			return fmt.Errorf("mailbox %q: %w", n, ErrExists)
		} else if !isNotFound(err) {
			return err
		}
		if mb.name == InboxName {
			return w.renameInbox(m, n)
		}
		if n == InboxName || strings.HasPrefix(n, mb.name+string(Delimiter)) {
			return fmt.Errorf("rename %q to %q: %w", mb.name, n, ErrForbidden)
		}
		return w.renameTree(m, mb, n)
	})
	if err != nil {
		return fmt.Errorf("rename mailbox %s: %w", id, err)
	}
	return nil
}

// renameTree renames mailbox m to name and its descendants along.
func (w *writer) renameTree(m uint32, mb *mailboxRec, name string) error {
	var parent uint32
	if pn := parentName(name); pn != "" {
		p, err := lookupName(w.tx, w.acct.num, pn)
		if isNotFound(err) {
			if _, err = w.createMailbox(pn, ""); err == nil {
				p, err = lookupName(w.tx, w.acct.num, pn)
			}
		}
		if err != nil {
			return err
		}
		parent = p
	}
	ms, err := w.allMailboxes()
	if err != nil {
		return err
	}
	old := mb.name
	for _, c := range ms {
		cmb := w.mboxes[c]
		if c != m && !strings.HasPrefix(cmb.name, old+string(Delimiter)) {
			continue
		}
		if err := w.setName(c, cmb, name+cmb.name[len(old):]); err != nil {
			return err
		}
	}
	mb.parent = parent
	return nil
}

func (w *writer) setName(m uint32, mb *mailboxRec, name string) error {
	a := w.acct.num
	if err := w.tx.Delete(spaceMailboxName, newKey(a).str(mb.name)); err != nil {
		return err
	}
	if err := w.tx.Put(spaceMailboxName, newKey(a).str(name), be32bytes(m)); err != nil {
		return err
	}
	mb.name = name
	return w.touch(m, opUpdated)
}

// renameInbox moves every message of INBOX to a new mailbox.
func (w *writer) renameInbox(inbox uint32, name string) error {
	if _, err := w.createMailbox(name, ""); err != nil {
		return err
	}
	dm, err := lookupName(w.tx, w.acct.num, name)
	if err != nil {
		return err
	}
	var emails []uint64
	err = w.tx.Scan(spaceUID, store.Prefix(mailboxKey(w.acct.num, inbox)),
		func(_, v []byte) error {
			ent, err := decodeEntry(v)
			emails = append(emails, ent.email)
			return err
		})
	if err != nil {
		return err
	}
	for _, e := range emails {
		if _, err := w.moveEmail(e, inbox, dm); err != nil {
			return err
		}
	}
	return nil
}

// DeleteMailbox deletes a mailbox with its messages (RFC 9051 section
// 6.3.5, RFC 8621 section 2.5 onDestroyRemoveEmails): an email in no other
// mailbox is destroyed. INBOX cannot be deleted (ErrForbidden), nor a
// mailbox with children (ErrHasChildren).
func (s *Store) DeleteMailbox(ctx context.Context, account string, id MailboxID) error {
	err := s.update(ctx, account, func(w *writer) error {
		m, mb, err := w.mailboxByID(id)
		if err != nil {
			return err
		}
		if mb.name == InboxName || mb.role == RoleInbox {
			return fmt.Errorf("delete INBOX: %w", ErrForbidden)
		}
		ms, err := w.allMailboxes()
		if err != nil {
			return err
		}
		for _, c := range ms {
			if w.mboxes[c].parent == m {
				return ErrHasChildren
			}
		}
		return w.deleteMailbox(m, mb)
	})
	if err != nil {
		return fmt.Errorf("delete mailbox %s: %w", id, err)
	}
	return nil
}

func (w *writer) deleteMailbox(m uint32, mb *mailboxRec) error {
	a := w.acct.num
	var emails []uint64
	err := w.tx.Scan(spaceUID, store.Prefix(mailboxKey(a, m)), func(_, v []byte) error {
		ent, err := decodeEntry(v)
		emails = append(emails, ent.email)
		return err
	})
	if err != nil {
		return err
	}
	for _, e := range emails {
		if err := w.removeFrom(e, m); err != nil {
			return err
		}
	}
	for _, sp := range []store.Space{spaceVanished, spaceModSeq} {
		if err := deletePrefix(w.tx, sp, mailboxKey(a, m)); err != nil {
			return err
		}
	}
	if err := w.dropACL(m); err != nil {
		return err
	}
	if err := w.tx.Delete(spaceCounter, uidCounterKey(a, m)); err != nil {
		return err
	}
	if err := w.tx.Delete(spaceMailboxName, newKey(a).str(mb.name)); err != nil {
		return err
	}
	if err := w.tx.Delete(spaceMailbox, mailboxKey(a, m)); err != nil {
		return err
	}
	if err := w.touch(m, opDestroyed); err != nil {
		return err
	}
	// Keep it out of flush, which would write the record back.
	w.mboxes[m] = nil
	return nil
}
