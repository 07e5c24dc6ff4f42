package mailstore

import (
	"context"
	"fmt"
	"slices"
)

// SetEmailKeywords changes the keywords of an email (JMAP Email/set,
// RFC 8621 section 4.6); the email's entry in every mailbox gets a new
// MODSEQ.
func (s *Store) SetEmailKeywords(ctx context.Context, account string, id EmailID,
	op FlagOp, keywords []string) error {
	kws, err := normalizeKeywords(keywords)
	if err != nil {
		return fmt.Errorf("set keywords of %s: %w", id, err)
	}
	err = s.update(ctx, account, func(w *writer) error {
		e, rec, err := w.emailByID(id)
		if err != nil {
			return err
		}
		next := applyKeywords(rec.keywords, op, kws)
		if slices.Equal(next, rec.keywords) {
			return nil
		}
		if err := checkKeywordCount(next); err != nil {
			return err
		}
		return w.setKeywords(rec, e, next)
	})
	if err != nil {
		return fmt.Errorf("set keywords of %s: %w", id, err)
	}
	return nil
}

// SetEmailMailboxes puts an email in exactly the given mailboxes (JMAP
// mailboxIds, RFC 8621 section 4.1.1): it gets a new UID in each mailbox it
// enters and its UID is expunged from each it leaves. An empty list is
// ErrForbidden: use DestroyEmail.
func (s *Store) SetEmailMailboxes(ctx context.Context, account string, id EmailID,
	mailboxes []MailboxID) error {
	if len(mailboxes) == 0 {
		return fmt.Errorf("set mailboxes of %s: none: %w", id, ErrForbidden)
	}
	err := s.update(ctx, account, func(w *writer) error {
		e, rec, err := w.emailByID(id)
		if err != nil {
			return err
		}
		want, err := w.mailboxNums(mailboxes)
		if err != nil {
			return err
		}
		changed := false
		for _, m := range want {
			if _, ok := rec.link(m); !ok {
				if _, err := w.link(rec, e, m); err != nil {
					return err
				}
				changed = true
			}
		}
		for _, l := range slices.Clone(rec.links) {
			if !slices.Contains(want, l.mbox) {
				if err := w.unlink(rec, e, l.mbox); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			return nil
		}
		return w.updated(rec, e)
	})
	if err != nil {
		return fmt.Errorf("set mailboxes of %s: %w", id, err)
	}
	return nil
}

// DestroyEmail removes an email from every mailbox and deletes it (JMAP
// Email/set destroy); its UIDs are remembered as expunged.
func (s *Store) DestroyEmail(ctx context.Context, account string, id EmailID) error {
	err := s.update(ctx, account, func(w *writer) error {
		e, rec, err := w.emailByID(id)
		if err != nil {
			return err
		}
		return w.destroyEmail(rec, e)
	})
	if err != nil {
		return fmt.Errorf("destroy email %s: %w", id, err)
	}
	return nil
}

func (w *writer) emailByID(id EmailID) (uint64, *emailRec, error) {
	e, ok := id.num()
	if !ok {
		return 0, nil, fmt.Errorf("email %s: %w", id, ErrNotFound)
	}
	rec, err := w.email(e)
	return e, rec, err
}
