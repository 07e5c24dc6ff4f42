package mailstore

import (
	"errors"
	"fmt"
	"strings"
)

// Rights is a set of the access rights of RFC 4314 section 2.1 that an
// identifier holds on a mailbox.
type Rights uint16

// The rights of RFC 4314 section 2.1, one bit each.
const (
	// RightLookup ("l"): the mailbox is visible to LIST and LSUB.
	RightLookup Rights = 1 << iota
	// RightRead ("r"): SELECT, EXAMINE, STATUS, FETCH, SEARCH, COPY from.
	RightRead
	// RightSeen ("s"): keep the \Seen flag across sessions.
	RightSeen
	// RightWrite ("w"): set and clear flags other than \Seen and
	// \Deleted.
	RightWrite
	// RightInsert ("i"): APPEND and COPY into the mailbox.
	RightInsert
	// RightPost ("p"): send mail to the submission address of the
	// mailbox; advisory in IMAP.
	RightPost
	// RightCreate ("k"): create mailboxes below this one.
	RightCreate
	// RightDeleteMailbox ("x"): delete or rename the mailbox.
	RightDeleteMailbox
	// RightDeleteMessages ("t"): set and clear \Deleted.
	RightDeleteMessages
	// RightExpunge ("e"): EXPUNGE, and expunge as part of CLOSE.
	RightExpunge
	// RightAdmin ("a"): read and change the ACL (SETACL, DELETEACL,
	// GETACL, LISTRIGHTS).
	RightAdmin
)

// AllRights holds every right; the owner of a mailbox always has them.
const AllRights = RightLookup | RightRead | RightSeen | RightWrite | RightInsert |
	RightPost | RightCreate | RightDeleteMailbox | RightDeleteMessages | RightExpunge |
	RightAdmin

// The virtual rights of RFC 4314 section 2.1.1, taken in the sense of
// the servers that controlled DELETE with "d": "c" stands for "k" and
// "d" for "x", "t" and "e".
const (
	obsoleteCreate = RightCreate
	obsoleteDelete = RightDeleteMailbox | RightDeleteMessages | RightExpunge
)

// rightLetters gives the letter of each right in the order of RFC 4314
// section 2.1.
var rightLetters = [...]struct {
	r Rights
	c byte
}{
	{RightLookup, 'l'}, {RightRead, 'r'}, {RightSeen, 's'}, {RightWrite, 'w'},
	{RightInsert, 'i'}, {RightPost, 'p'}, {RightCreate, 'k'}, {RightDeleteMailbox, 'x'},
	{RightDeleteMessages, 't'}, {RightExpunge, 'e'}, {RightAdmin, 'a'},
}

// ErrInvalidRights is returned for a rights string with a letter that
// RFC 4314 section 2.1 does not define.
var ErrInvalidRights = errors.New("mailstore: invalid rights")

// ParseRights reads the letters of a rights string (RFC 4314 section
// 2.1); the obsolete "c" and "d" count as the rights section 2.1.1 maps
// them to. Letters may repeat and come in any order.
func ParseRights(s string) (Rights, error) {
	var r Rights
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 'c':
			r |= obsoleteCreate
		case 'd':
			r |= obsoleteDelete
		default:
			bit := letterRight(c)
			if bit == 0 {
				return 0, fmt.Errorf("right %q: %w", c, ErrInvalidRights)
			}
			r |= bit
		}
	}
	return r, nil
}

func letterRight(c byte) Rights {
	for _, l := range rightLetters {
		if l.c == c {
			return l.r
		}
	}
	return 0
}

// String returns the letters of the rights in the order of RFC 4314
// section 2.1, followed by the virtual rights of section 2.1.1 for clients
// of RFC 2086: "c" when "k" is held, "d" when all of "x", "t" and "e" are.
// A rights string read back with ParseRights gives the same rights, so a
// client that sends back what GETACL showed grants nothing more.
func (r Rights) String() string {
	var sb strings.Builder
	sb.WriteString(r.Letters())
	if r&obsoleteCreate != 0 {
		sb.WriteByte('c')
	}
	if r.Has(obsoleteDelete) {
		sb.WriteByte('d')
	}
	return sb.String()
}

// Letters returns the letters of the rights in the order of RFC 4314
// section 2.1, without the virtual "c" and "d".
func (r Rights) Letters() string {
	var sb strings.Builder
	for _, l := range rightLetters {
		if r&l.r != 0 {
			sb.WriteByte(l.c)
		}
	}
	return sb.String()
}

// Has reports whether r holds every right of need.
func (r Rights) Has(need Rights) bool { return r&need == need }

// Each calls fn for every single right of r, in the order of RFC 4314
// section 2.1; LISTRIGHTS lists the rights that can be granted one by one
// (section 3.7).
func (r Rights) Each(fn func(Rights)) {
	for _, l := range rightLetters {
		if r&l.r != 0 {
			fn(l.r)
		}
	}
}
