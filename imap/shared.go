package imap

import (
	"errors"
	"slices"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// The other users' namespace (RFC 2342 section 5): a mailbox that another
// account shares appears as "Other Users/<owner>/<mailbox>".
const (
	otherUsersRoot   = "Other Users"
	otherUsersPrefix = otherUsersRoot + "/"
)

// writeRights are the rights that make a selected mailbox read-write: "i",
// "e" and the flag rights "s", "w" and "t" (RFC 4314 section 5.2).
const writeRights = mailstore.RightInsert | mailstore.RightExpunge | mailstore.RightSeen |
	mailstore.RightWrite | mailstore.RightDeleteMessages

// inOtherUsers reports whether a mailbox name lies in the other users'
// namespace.
func inOtherUsers(name string) bool {
	return name == otherUsersRoot || strings.HasPrefix(name, otherUsersPrefix)
}

func sharedName(owner, name string) string { return otherUsersPrefix + owner + "/" + name }

// mailboxRef is a mailbox a command names, of the session's account or of
// another that shares it, with the rights the session's user holds.
type mailboxRef struct {
	owner  string
	mb     mailstore.Mailbox
	rights mailstore.Rights
}

// need checks that the user holds the rights an operation needs (RFC 4314
// section 4). A user without "l" learns nothing of the mailbox (section
// 6): the answer is the one for a mailbox that does not exist.
func (r mailboxRef) need(need mailstore.Rights) error {
	if r.rights.Has(need) {
		return nil
	}
	if !r.rights.Has(mailstore.RightLookup) {
		return errNo("NONEXISTENT", "No such mailbox")
	}
	return errNoPerm(need &^ r.rights)
}

func errNoPerm(missing mailstore.Rights) *Error {
	return errNo("NOPERM", "Permission denied: the "+missing.Letters()+" right is needed")
}

// lookupMailbox finds a mailbox by name in the personal namespace or in
// the other users' one.
func (s *session) lookupMailbox(name string) (mailboxRef, error) {
	if !inOtherUsers(name) {
		mb, err := s.store.MailboxByName(s.ctx, s.account, name)
		if err != nil {
			return mailboxRef{}, s.mailboxError(err)
		}
		return mailboxRef{owner: s.account, mb: mb, rights: mailstore.AllRights}, nil
	}
	shared, err := s.store.SharedWith(s.ctx, s.account)
	if err != nil {
		return mailboxRef{}, err
	}
	for _, sm := range shared {
		p := otherUsersPrefix + sm.Owner + "/"
		if !strings.HasPrefix(name, p) {
			continue
		}
		rest := name[len(p):]
		inbox := sm.Mailbox.Name == mailstore.InboxName
		if rest == sm.Mailbox.Name || (inbox && strings.EqualFold(rest, mailstore.InboxName)) {
			return mailboxRef{owner: sm.Owner, mb: sm.Mailbox, rights: sm.Rights}, nil
		}
	}
	return mailboxRef{}, errNo("NONEXISTENT", "No such mailbox")
}

// insertTarget finds the mailbox an APPEND, COPY or MOVE stores into; it
// needs the "i" right (RFC 4314 section 4). A missing personal mailbox
// gets TRYCREATE (RFC 9051 section 6.3.12).
func (s *session) insertTarget(name string) (mailboxRef, error) {
	ref, err := s.lookupMailbox(name)
	if err != nil {
		if ie, ok := err.(*Error); ok && ie.Code == "NONEXISTENT" && !inOtherUsers(name) {
			return mailboxRef{}, errNo("TRYCREATE", "No such mailbox")
		}
		return mailboxRef{}, err
	}
	return ref, ref.need(mailstore.RightInsert)
}

// allowedKeywords drops the keywords the user may not set on a new
// message of the mailbox: \Seen needs "s", \Deleted "t", the others "w"
// (RFC 4314 section 4, APPEND and COPY).
func (r mailboxRef) allowedKeywords(kw []string) []string {
	if r.rights.Has(mailstore.RightSeen | mailstore.RightDeleteMessages | mailstore.RightWrite) {
		return kw
	}
	var out []string
	for _, k := range kw {
		if r.rights.Has(keywordRight(k)) {
			out = append(out, k)
		}
	}
	return out
}

// keywordRight is the right that guards a stored keyword.
func keywordRight(k string) mailstore.Rights {
	switch strings.ToLower(k) {
	case "$seen":
		return mailstore.RightSeen
	case "$deleted":
		return mailstore.RightDeleteMessages
	}
	return mailstore.RightWrite
}

// storeRights checks the rights a STORE needs on the selected mailbox:
// replacing the flags touches every kind of flag, adding or removing
// only those named.
func (s *session) storeRights(op mailstore.FlagOp, kw []string) error {
	have := s.selRights()
	var need mailstore.Rights
	if op == mailstore.FlagsReplace {
		need = mailstore.RightSeen | mailstore.RightDeleteMessages | mailstore.RightWrite
	}
	for _, k := range kw {
		need |= keywordRight(k)
	}
	if !have.Has(need) {
		return errNoPerm(need &^ have)
	}
	return nil
}

// sharedSel is the state of a selected mailbox of another account: its
// owner, the user's rights, and the subscription to the owner's change
// events, since events are published per account.
type sharedSel struct {
	owner  string
	rights mailstore.Rights
	events <-chan mailstore.Event
	cancel func()
}

// selAccount is the account that owns the selected mailbox.
func (s *session) selAccount() string {
	if s.shared != nil && s.sel != nil {
		return s.shared.owner
	}
	return s.account
}

// selRights are the user's rights on the selected mailbox.
func (s *session) selRights() mailstore.Rights {
	if s.shared != nil && s.sel != nil {
		return s.shared.rights
	}
	return mailstore.AllRights
}

// isSelected reports whether a mailbox of owner is the selected one.
func (s *session) isSelected(owner string, id mailstore.MailboxID) bool {
	return s.sel != nil && s.sel.mbox.ID == id && s.selAccount() == owner
}

// enterShared subscribes to the owner's events before a mailbox of
// another account is selected.
func (s *session) enterShared(ref mailboxRef) {
	s.leaveShared()
	if ref.owner == s.account {
		return
	}
	ch, cancel := s.store.Subscribe(ref.owner)
	s.shared = &sharedSel{owner: ref.owner, rights: ref.rights, events: ch, cancel: cancel}
}

// leaveShared ends the subscription of a selected shared mailbox.
func (s *session) leaveShared() {
	if s.shared != nil {
		s.shared.cancel()
		s.shared = nil
	}
}

// sharedEvents is the channel of the owner's events while a shared
// mailbox is selected, else nil, which never delivers.
func (s *session) sharedEvents() <-chan mailstore.Event {
	if s.shared == nil {
		return nil
	}
	return s.shared.events
}

// drainShared takes the pending events of the selected shared mailbox's
// owner.
func (s *session) drainShared() {
	for s.shared != nil && s.shared.events != nil {
		select {
		case ev, ok := <-s.shared.events:
			if !ok {
				s.shared.events = nil
				return
			}
			s.noteShared(ev)
		default:
			return
		}
	}
}

// noteShared takes one event of the owner: when it concerns the selected
// mailbox the user's rights are read again, since a SETACL changes the
// mailbox, and the view is marked dirty.
func (s *session) noteShared(ev mailstore.Event) {
	if s.shared == nil || s.sel == nil {
		return
	}
	if len(ev.Mailboxes) == 0 || slices.Contains(ev.Mailboxes, s.sel.mbox.ID) {
		r, err := s.store.MyRights(s.ctx, s.shared.owner, s.sel.mbox.ID, s.account)
		if err == nil {
			s.shared.rights = r
		}
	}
	s.noteEvent(ev)
}

// selectTarget finds the mailbox of a SELECT or EXAMINE, which needs the
// "r" right (RFC 4314 section 4), and follows its owner's changes when
// another account owns it.
func (s *session) selectTarget(name string) (mailboxRef, error) {
	ref, err := s.lookupMailbox(name)
	if err != nil {
		return mailboxRef{}, err
	}
	if err := ref.need(mailstore.RightRead); err != nil {
		return mailboxRef{}, err
	}
	s.enterShared(ref)
	return ref, nil
}

// copyAcross copies messages of the selected mailbox into a mailbox of
// another account, one by one since the stores of two accounts share no
// transaction; a failure takes back the copies made. With move, the
// originals are expunged afterwards (RFC 6851 section 3.3). It returns
// the source and destination UIDs (RFC 4315 COPYUID) and the
// destination's UIDVALIDITY.
func (s *session) copyAcross(seqs []uint32, dst mailboxRef, move bool) ([]uint32, []uint32,
	uint32, error) {
	owner := s.selAccount()
	var src, dstUIDs []uint32
	var validity uint32
	for _, n := range seqs {
		en := s.sel.msgs[n-1]
		rc, err := s.store.Open(s.ctx, owner, en.EmailID, 0, -1)
		if errors.Is(err, mailstore.ErrNotFound) {
			continue // expunged by another session meanwhile
		}
		if err != nil {
			s.undoAppend(dst.owner, dst.mb.ID, dstUIDs)
			return nil, nil, 0, err
		}
		ent, uv, err := s.store.Append(s.ctx, dst.owner, dst.mb.ID, rc,
			dst.allowedKeywords(en.Keywords), en.Received)
		rc.Close()
		if err != nil {
			s.undoAppend(dst.owner, dst.mb.ID, dstUIDs)
			return nil, nil, 0, err
		}
		src = append(src, en.UID)
		dstUIDs = append(dstUIDs, ent.UID)
		validity = uv
	}
	if move && len(src) > 0 {
		if _, err := s.store.Expunge(s.ctx, owner, s.sel.mbox.ID, src); err != nil {
			s.undoAppend(dst.owner, dst.mb.ID, dstUIDs)
			return nil, nil, 0, err
		}
	}
	return src, dstUIDs, validity, nil
}

// permanentFlags lists, for the PERMANENTFLAGS of SELECT, the flags the
// user may change in the selected mailbox, with \* when new keywords may
// be set: \Seen needs "s", \Deleted "t", the others "w" (RFC 4314
// section 4).
func (s *session) permanentFlags(flags string) string {
	r := s.selRights()
	if r.Has(mailstore.RightSeen | mailstore.RightDeleteMessages | mailstore.RightWrite) {
		return flags + ` \*`
	}
	var out []string
	for _, f := range strings.Fields(flags) {
		if k, ok := storeKeyword(f); ok && r.Has(keywordRight(k)) {
			out = append(out, f)
		}
	}
	if r.Has(mailstore.RightWrite) {
		out = append(out, `\*`)
	}
	return strings.Join(out, " ")
}
