package imap

import (
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// withShared adds to the account's mailboxes those other accounts share
// with the user on which the user holds the "l" right (RFC 4314 section
// 4), named in the other users' namespace (RFC 2342 section 5). They
// count as subscribed, carry no special use, and keep the owner's ids.
func (s *session) withShared(boxes []mailstore.Mailbox) ([]mailstore.Mailbox, error) {
	shared, err := s.store.SharedWith(s.ctx, s.account)
	if err != nil {
		return nil, err
	}
	for _, sm := range shared {
		if !sm.Rights.Has(mailstore.RightLookup) {
			continue
		}
		mb := sm.Mailbox
		mb.Name = sharedName(sm.Owner, mb.Name)
		mb.Role, mb.Subscribed, mb.ParentID = "", true, ""
		boxes = append(boxes, mb)
	}
	return boxes, nil
}

// sharedParents adds, as \Noselect, the levels of the other users'
// namespace above the shared mailboxes ("Other Users", "Other
// Users/<owner>") that match a pattern, so that clients can walk down
// to them (RFC 2342 section 5). LSUB and the SUBSCRIBED and SPECIAL-USE
// selections add them their own way or not at all.
func (l *listing) sharedParents(a *listArgs, full string, lsub bool) {
	if lsub || a.subscribedOnly || a.specialUseOnly {
		return
	}
	for i := range l.boxes {
		name := l.boxes[i].Name
		if !strings.HasPrefix(name, otherUsersPrefix) {
			continue
		}
		for n := name; strings.Contains(n, "/"); {
			n = n[:strings.LastIndexByte(n, '/')]
			if !inOtherUsers(n) {
				break
			}
			if l.byName[n] == nil && matchPattern(full, n) {
				l.add(listEntry{name: n, noselect: true})
			}
		}
	}
}
