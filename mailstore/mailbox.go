package mailstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/bulwarkmail/bulwark/store"
)

// MaxMailboxName is the longest mailbox name accepted, in octets.
const MaxMailboxName = 1024

// normalizeName checks a mailbox name and returns its stored form: NFC
// (RFC 5198, as RFC 6855 section 3 recommends), with a first level equal to
// INBOX in any case spelt "INBOX" (RFC 9051 section 5.1).
func normalizeName(name string) (string, error) {
	if name == "" || len(name) > MaxMailboxName || !utf8.ValidString(name) {
		return "", fmt.Errorf("mailbox name %q: %w", name, ErrInvalidName)
	}
	name = norm.NFC.String(name)
	levels := strings.Split(name, string(Delimiter))
	for _, l := range levels {
		// "." and ".." levels read as paths to clients that map mailboxes
		// to folders (mbsync refuses them); "*" and "%" are the LIST
		// wildcards of RFC 9051, section 6.3.9.
		if l == "" || l == "." || l == ".." {
			return "", fmt.Errorf("mailbox name %q: %w", name, ErrInvalidName)
		}
		for _, r := range l {
			if unicode.IsControl(r) || r == utf8.RuneError || r == '*' || r == '%' {
				return "", fmt.Errorf("mailbox name %q: %w", name, ErrInvalidName)
			}
		}
	}
	if strings.EqualFold(levels[0], InboxName) {
		levels[0] = InboxName
	}
	return strings.Join(levels, string(Delimiter)), nil
}

func parentName(name string) string {
	i := strings.LastIndexByte(name, Delimiter)
	if i < 0 {
		return ""
	}
	return name[:i]
}

func validRole(role string) bool {
	switch role {
	case "", RoleInbox, RoleDrafts, RoleSent, RoleJunk, RoleTrash, RoleArchive,
		"all", "flagged", "important", "subscribed":
		return true
	}
	return false
}

// lookupName returns the number of the mailbox with a stored name.
func lookupName(tx store.Tx, a uint32, name string) (uint32, error) {
	b, err := tx.Get(spaceMailboxName, newKey(a).str(name))
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("mailbox %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 4 {
		return 0, errCorrupt
	}
	return be32(b), nil
}

// nextUIDValidity draws a UIDVALIDITY from a counter shared by all
// accounts, first seeded with the clock so that a store rebuilt from
// nothing does not hand out the values of an earlier one.
func (w *writer) nextUIDValidity() (uint32, error) {
	v, err := w.tx.Add(spaceCounter, ctrUIDValidityKey, 1)
	if err != nil {
		return 0, err
	}
	if v == 1 {
		if v, err = w.tx.Add(spaceCounter, ctrUIDValidityKey, uint64(uint32(w.now))); err != nil {
			return 0, err
		}
	}
	if uint32(v) == 0 {
		return w.nextUIDValidity()
	}
	return uint32(v), nil
}

// createMailbox creates a mailbox, and its missing parents, by stored
// name.
func (w *writer) createMailbox(name, role string) (*mailboxRec, error) {
	if !validRole(role) {
		return nil, fmt.Errorf("mailbox role %q: %w", role, ErrForbidden)
	}
	if _, err := lookupName(w.tx, w.acct.num, name); err == nil {
		return nil, fmt.Errorf("mailbox %q: %w", name, ErrExists)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if role != "" {
		if taken, err := w.roleTaken(role); err != nil || taken {
			return nil, errors.Join(err, fmt.Errorf("role %s: %w", role, ErrForbidden))
		}
	}
	var parent uint32
	if pn := parentName(name); pn != "" {
		p, err := lookupName(w.tx, w.acct.num, pn)
		if errors.Is(err, ErrNotFound) {
			if _, err = w.createMailbox(pn, ""); err == nil {
				p, err = lookupName(w.tx, w.acct.num, pn)
			}
		}
		if err != nil {
			return nil, err
		}
		parent = p
	}
	return w.insertMailbox(name, role, parent)
}

func (w *writer) insertMailbox(name, role string, parent uint32) (*mailboxRec, error) {
	n, err := w.nextID(ctrMailbox)
	if err != nil {
		return nil, err
	}
	m := uint32(n)
	uv, err := w.nextUIDValidity()
	if err != nil {
		return nil, err
	}
	mb := &mailboxRec{name: name, parent: parent, role: role, uidValidity: uv}
	w.mboxes[m] = mb
	if err := w.tx.Put(spaceMailboxName, newKey(w.acct.num).str(name),
		be32bytes(m)); err != nil {
		return nil, err
	}
	if err := w.touch(m, opCreated); err != nil {
		return nil, err
	}
	return mb, nil
}

func be32bytes(v uint32) []byte { return []byte(newKey(v)) }

// roleTaken reports whether a mailbox of the account has the role.
func (w *writer) roleTaken(role string) (bool, error) {
	ms, err := w.allMailboxes()
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if mb := w.mboxes[m]; mb != nil && mb.role == role {
			return true, nil
		}
	}
	return false, nil
}

// allMailboxes loads every mailbox of the account into the writer's cache
// and returns their numbers.
func (w *writer) allMailboxes() ([]uint32, error) {
	var ms []uint32
	err := w.tx.Scan(spaceMailbox, store.Prefix(newKey(w.acct.num)),
		func(k, v []byte) error {
			m := be32(k[4:])
			ms = append(ms, m)
			if _, ok := w.mboxes[m]; ok {
				return nil
			}
			rec, err := decodeMailbox(v)
			w.mboxes[m] = &rec
			return err
		})
	return ms, err
}

// mailboxView makes the public Mailbox of a record.
func mailboxView(tx store.Tx, a, m uint32, r *mailboxRec) (Mailbox, error) {
	last, err := tx.Counter(spaceCounter, uidCounterKey(a, m))
	if err != nil {
		return Mailbox{}, err
	}
	mb := Mailbox{
		ID: mailboxID(m), Name: r.name, Role: r.role,
		UIDValidity: r.uidValidity, UIDNext: uint32(last) + 1,
		HighestModSeq: r.modseq, Subscribed: r.subscribed,
		Total: r.total, Unread: r.unread, Size: r.size, SortOrder: r.sortOrder,
	}
	if r.parent != 0 {
		mb.ParentID = mailboxID(r.parent)
	}
	return mb, nil
}

func readMailbox(tx store.Tx, a uint32, id MailboxID) (Mailbox, error) {
	m, ok := id.num()
	if !ok {
		return Mailbox{}, fmt.Errorf("mailbox %s: %w", id, ErrNotFound)
	}
	b, err := tx.Get(spaceMailbox, mailboxKey(a, m))
	if errors.Is(err, store.ErrNotFound) {
		return Mailbox{}, fmt.Errorf("mailbox %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Mailbox{}, err
	}
	r, err := decodeMailbox(b)
	if err != nil {
		return Mailbox{}, err
	}
	return mailboxView(tx, a, m, &r)
}

// Mailboxes lists the mailboxes of an account in name order.
func (s *Store) Mailboxes(ctx context.Context, account string) ([]Mailbox, error) {
	var out []Mailbox
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		out = out[:0]
		return tx.Scan(spaceMailbox, store.Prefix(newKey(a.num)), func(k, v []byte) error {
			r, err := decodeMailbox(v)
			if err != nil {
				return err
			}
			mb, err := mailboxView(tx, a.num, be32(k[4:]), &r)
			out = append(out, mb)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list mailboxes of %s: %w", account, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Mailbox returns one mailbox by id.
func (s *Store) Mailbox(ctx context.Context, account string, id MailboxID) (Mailbox, error) {
	var mb Mailbox
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		var err error
		mb, err = readMailbox(tx, a.num, id)
		return err
	})
	if err != nil {
		return Mailbox{}, fmt.Errorf("get mailbox: %w", err)
	}
	return mb, nil
}

// MailboxByName returns the mailbox with a full name; "INBOX" matches in
// any case (RFC 9051 section 5.1).
func (s *Store) MailboxByName(ctx context.Context, account, name string) (Mailbox, error) {
	var mb Mailbox
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		n, err := normalizeName(name)
		if err != nil {
			return fmt.Errorf("mailbox %q: %w", name, ErrNotFound)
		}
		m, err := lookupName(tx, a.num, n)
		if err != nil {
			return err
		}
		mb, err = readMailbox(tx, a.num, mailboxID(m))
		return err
	})
	if err != nil {
		return Mailbox{}, fmt.Errorf("get mailbox: %w", err)
	}
	return mb, nil
}

// MailboxByRole returns the mailbox with a role, such as RoleJunk.
func (s *Store) MailboxByRole(ctx context.Context, account, role string) (Mailbox, error) {
	mbs, err := s.Mailboxes(ctx, account)
	if err != nil {
		return Mailbox{}, err
	}
	for _, mb := range mbs {
		if mb.Role == role && role != "" {
			return mb, nil
		}
	}
	return Mailbox{}, fmt.Errorf("mailbox with role %q: %w", role, ErrNotFound)
}

// CreateMailbox creates a mailbox, and any missing parents, with an
// optional role (RFC 6154 section 3, RFC 8621 section 2.5).
func (s *Store) CreateMailbox(ctx context.Context, account, name, role string) (Mailbox, error) {
	var mb Mailbox
	err := s.update(ctx, account, func(w *writer) error {
		n, err := normalizeName(name)
		if err != nil {
			return err
		}
		rec, err := w.createMailbox(n, role)
		if err != nil {
			return err
		}
		m, err := lookupName(w.tx, w.acct.num, n)
		if err != nil {
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

// SetSubscribed subscribes to a mailbox or ends the subscription (RFC 9051
// sections 6.3.7 and 6.3.8).
func (s *Store) SetSubscribed(ctx context.Context, account string, id MailboxID, on bool) error {
	err := s.update(ctx, account, func(w *writer) error {
		m, mb, err := w.mailboxByID(id)
		if err != nil {
			return err
		}
		if mb.subscribed == on {
			return nil
		}
		mb.subscribed = on
		return w.touch(m, opUpdated)
	})
	if err != nil {
		return fmt.Errorf("subscribe mailbox %s: %w", id, err)
	}
	return nil
}

// UpdateMailbox changes a mailbox's role or sort order.
func (s *Store) UpdateMailbox(ctx context.Context, account string, id MailboxID,
	p MailboxPatch) error {
	err := s.update(ctx, account, func(w *writer) error {
		m, mb, err := w.mailboxByID(id)
		if err != nil {
			return err
		}
		if p.Role != nil && *p.Role != mb.role {
			if err := w.setRole(mb, *p.Role); err != nil {
				return err
			}
		}
		if p.SortOrder != nil {
			mb.sortOrder = *p.SortOrder
		}
		return w.touch(m, opUpdated)
	})
	if err != nil {
		return fmt.Errorf("update mailbox %s: %w", id, err)
	}
	return nil
}

func (w *writer) setRole(mb *mailboxRec, role string) error {
	if !validRole(role) || mb.role == RoleInbox || role == RoleInbox {
		return fmt.Errorf("role %q: %w", role, ErrForbidden)
	}
	if role != "" {
		if taken, err := w.roleTaken(role); err != nil || taken {
			return errors.Join(err, fmt.Errorf("role %s: %w", role, ErrForbidden))
		}
	}
	mb.role = role
	return nil
}
