package mailstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/bulwarkmail/bulwark/store"
)

// Anyone is the identifier that grants rights to every account (RFC 4314
// section 2).
const Anyone = "anyone"

// Limits of access control lists.
const (
	// MaxIdentifier is the longest identifier accepted, in octets.
	MaxIdentifier = 255
	// MaxACLEntries is the most identifiers one mailbox's ACL names,
	// besides its owner.
	MaxACLEntries = 64
)

// Errors of access control.
var (
	// ErrNoRights is returned by CheckRights when the user lacks a right
	// the operation needs (RFC 4314 section 4, response code NOPERM).
	ErrNoRights = errors.New("mailstore: permission denied")

	// ErrInvalidIdentifier is returned for an ACL identifier that is
	// empty, too long, not UTF-8, has control characters, or names
	// negative rights ("-user", RFC 4314 section 2), which are not
	// supported.
	ErrInvalidIdentifier = errors.New("mailstore: invalid identifier")
)

// ACLEntry is one identifier of a mailbox's access control list with its
// rights (RFC 4314 section 2).
type ACLEntry struct {
	Identifier string
	Rights     Rights
}

// aclFormat is the format version of an ACL record: the format byte and
// the rights, big-endian.
const aclFormat = 1

func aclKey(a, m uint32, id string) key { return mailboxKey(a, m).str(id) }

func encodeRights(r Rights) []byte {
	return binary.BigEndian.AppendUint16([]byte{aclFormat}, uint16(r))
}

func decodeRights(b []byte) (Rights, error) {
	if len(b) != 3 || b[0] != aclFormat {
		return 0, errCorrupt
	}
	return Rights(binary.BigEndian.Uint16(b[1:])), nil
}

// checkIdentifier accepts an account name or Anyone.
func checkIdentifier(id string) error {
	if id == "" || len(id) > MaxIdentifier || !utf8.ValidString(id) || id[0] == '-' {
		return fmt.Errorf("identifier %q: %w", id, ErrInvalidIdentifier)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return fmt.Errorf("identifier %q: %w", id, ErrInvalidIdentifier)
		}
	}
	return nil
}

// getRights reads the rights of one identifier on mailbox m of account a.
func getRights(tx store.Tx, a, m uint32, id string) (Rights, bool, error) {
	b, err := tx.Get(spaceACL, aclKey(a, m, id))
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	r, err := decodeRights(b)
	return r, err == nil, err
}

// SetRights changes the rights of identifier on a mailbox of owner (RFC
// 4314 section 3.1 SETACL): op replaces them, adds to them or removes
// from them. Rights that end up empty remove the identifier from the
// ACL. The owner's own rights cannot be changed (ErrForbidden), an ACL
// holds at most MaxACLEntries identifiers (ErrForbidden). A change moves
// the mailbox's MODSEQ and is logged as a mailbox update. It returns the
// identifier's rights afterwards.
func (s *Store) SetRights(ctx context.Context, owner string, mbox MailboxID, identifier string,
	op FlagOp, r Rights) (Rights, error) {
	if err := checkIdentifier(identifier); err != nil {
		return 0, fmt.Errorf("set rights on %s: %w", mbox, err)
	}
	if identifier == owner {
		return 0, fmt.Errorf("set rights of the owner on %s: %w", mbox, ErrForbidden)
	}
	r &= AllRights
	var next Rights
	err := s.update(ctx, owner, func(w *writer) error {
		m, _, err := w.mailboxByID(mbox)
		if err != nil {
			return err
		}
		cur, found, err := getRights(w.tx, w.acct.num, m, identifier)
		if err != nil {
			return err
		}
		switch op {
		case FlagsAdd:
			next = cur | r
		case FlagsRemove:
			next = cur &^ r
		default:
			next = r
		}
		if next == cur {
			return nil
		}
		if !found {
			if err := w.checkACLRoom(m); err != nil {
				return err
			}
		}
		if err := w.putRights(m, identifier, next); err != nil {
			return err
		}
		return w.touch(m, opUpdated)
	})
	if err != nil {
		return 0, fmt.Errorf("set rights of %q on %s: %w", identifier, mbox, err)
	}
	return next, nil
}

// DeleteRights removes identifier from a mailbox's ACL (RFC 4314 section
// 3.2 DELETEACL); removing one that is not there is not an error.
func (s *Store) DeleteRights(ctx context.Context, owner string, mbox MailboxID,
	identifier string) error {
	_, err := s.SetRights(ctx, owner, mbox, identifier, FlagsReplace, 0)
	return err
}

// checkACLRoom refuses a new identifier on a full ACL.
func (w *writer) checkACLRoom(m uint32) error {
	n := 0
	err := w.tx.Scan(spaceACL, store.Prefix(mailboxKey(w.acct.num, m)), func(_, _ []byte) error {
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if n >= MaxACLEntries {
		return fmt.Errorf("more than %d ACL entries: %w", MaxACLEntries, ErrForbidden)
	}
	return nil
}

// putRights writes or, for no rights, deletes an ACL record with its
// entry in the index of mailboxes shared with the identifier.
func (w *writer) putRights(m uint32, id string, r Rights) error {
	a := w.acct.num
	if r == 0 {
		if err := w.tx.Delete(spaceACL, aclKey(a, m, id)); err != nil {
			return err
		}
		return w.tx.Delete(spaceShared, aclGranteeKey(id, a, m))
	}
	if err := w.tx.Put(spaceACL, aclKey(a, m, id), encodeRights(r)); err != nil {
		return err
	}
	return w.tx.Put(spaceShared, aclGranteeKey(id, a, m), []byte(w.account))
}

// ListRights returns the access control list of a mailbox (RFC 4314
// section 3.3 GETACL): the owner first, with AllRights, then the other
// identifiers in byte order.
func (s *Store) ListRights(ctx context.Context, owner string, mbox MailboxID) ([]ACLEntry, error) {
	var out []ACLEntry
	err := s.view(ctx, owner, func(tx store.Tx, a accountRec) error {
		mb, err := readMailbox(tx, a.num, mbox)
		if err != nil {
			return err
		}
		m, _ := mb.ID.num()
		prefix := mailboxKey(a.num, m)
		out = []ACLEntry{{Identifier: owner, Rights: AllRights}}
		return tx.Scan(spaceACL, store.Prefix(prefix), func(k, v []byte) error {
			r, err := decodeRights(v)
			if err != nil {
				return err
			}
			out = append(out, ACLEntry{Identifier: string(k[len(prefix):]), Rights: r})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list rights on %s: %w", mbox, err)
	}
	return out, nil
}

// MyRights returns the rights user holds on a mailbox of owner (RFC 4314
// section 3.5 MYRIGHTS): AllRights for the owner, else the union of the
// user's entry and that of Anyone.
func (s *Store) MyRights(ctx context.Context, owner string, mbox MailboxID,
	user string) (Rights, error) {
	var r Rights
	err := s.view(ctx, owner, func(tx store.Tx, a accountRec) error {
		mb, err := readMailbox(tx, a.num, mbox)
		if err != nil {
			return err
		}
		m, _ := mb.ID.num()
		r, err = effectiveRights(tx, a.num, m, owner, user)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rights of %q on %s: %w", user, mbox, err)
	}
	return r, nil
}

// effectiveRights is MyRights inside a transaction.
func effectiveRights(tx store.Tx, a, m uint32, owner, user string) (Rights, error) {
	if user == owner {
		return AllRights, nil
	}
	mine, _, err := getRights(tx, a, m, user)
	if err != nil {
		return 0, err
	}
	all, _, err := getRights(tx, a, m, Anyone)
	return mine | all, err
}

// CheckRights returns the rights user holds on a mailbox of owner, or
// ErrNoRights when they lack one of need (RFC 4314 section 4). The
// protocol servers call it before acting on another account's mailbox.
func (s *Store) CheckRights(ctx context.Context, owner string, mbox MailboxID, user string,
	need Rights) (Rights, error) {
	r, err := s.MyRights(ctx, owner, mbox, user)
	if err != nil {
		return 0, err
	}
	if !r.Has(need) {
		return r, fmt.Errorf("%q needs %q on %s: %w", user, need&^r, mbox, ErrNoRights)
	}
	return r, nil
}
