package imap

import (
	"errors"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// errOtherUsers refuses to create or rename mailboxes in the other users'
// namespace: they belong to their owners.
func errOtherUsers() *Error {
	return errNo("CANNOT", "Mailboxes of other users cannot be created or renamed")
}

// deleteShared deletes a mailbox another account shares, which needs the
// "x" right (RFC 4314 section 4).
func (s *session) deleteShared(name string) error {
	ref, err := s.lookupMailbox(name)
	if err != nil {
		return err
	}
	if err := ref.need(mailstore.RightDeleteMailbox); err != nil {
		return err
	}
	if s.isSelected(ref.owner, ref.mb.ID) {
		s.sel = nil
		s.leaveShared()
		s.st = stateAuth
	}
	err = s.store.DeleteMailbox(s.ctx, ref.owner, ref.mb.ID)
	switch {
	case errors.Is(err, mailstore.ErrHasChildren):
		return errNo("INUSE", "Mailbox has child mailboxes")
	case errors.Is(err, mailstore.ErrForbidden):
		return errNo("CANNOT", "The owner's INBOX cannot be deleted")
	}
	return err
}

// subscribeShared answers SUBSCRIBE and UNSUBSCRIBE of a shared mailbox:
// the mailboxes a user holds "l" on always count as subscribed, since
// subscriptions are kept with the owner's mailbox (RFC 4314 section 4:
// SUBSCRIBE needs no right beyond seeing the mailbox).
func (s *session) subscribeShared(name string, on bool) error {
	ref, err := s.lookupMailbox(name)
	if err != nil {
		return err
	}
	if err := ref.need(mailstore.RightLookup); err != nil {
		return err
	}
	if !on {
		return errNo("CANNOT", "Shared mailboxes stay subscribed while shared")
	}
	return nil
}
