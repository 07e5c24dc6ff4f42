package imap

import (
	"slices"
	"sort"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// selected is the session's view of its selected mailbox: the messages
// with their sequence numbers as this session last reported them.
type selected struct {
	mbox     mailstore.Mailbox
	readOnly bool
	// msgs is in ascending UID order; msgs[i] has sequence number i+1.
	msgs []mailstore.Entry
	// modseq is the HIGHESTMODSEQ last reported.
	modseq uint64
	// recent holds the UIDs that are \Recent in this session.
	recent map[uint32]bool
	// contexts are the searches kept up to date (RFC 5267), and
	// contextMark the state of the view they were last checked against.
	contexts    []*searchContext
	contextMark viewMark
}

// viewMark sums up the view: it changes when a message comes, goes or
// changes its flags (its MODSEQ then grows).
type viewMark struct {
	count, top uint32
	modseqs    uint64
}

func (m *selected) mark() viewMark {
	v := viewMark{count: m.count()}
	for _, e := range m.msgs {
		v.modseqs += e.ModSeq
	}
	if n := len(m.msgs); n > 0 {
		v.top = m.msgs[n-1].UID
	}
	return v
}

func (s *session) recentKey(owner string, id mailstore.MailboxID) string {
	return owner + "\x00" + string(id)
}

// takeRecent marks as \Recent the messages of msgs above the server-wide
// mark and moves the mark, unless the mailbox is read-only.
func (s *session) takeRecent(msgs []mailstore.Entry) int {
	m := s.sel
	if len(msgs) == 0 {
		return 0
	}
	top := msgs[len(msgs)-1].UID
	prev := s.c.srv.claimRecent(s.recentKey(s.selAccount(), m.mbox.ID), top, !m.readOnly)
	n := 0
	for _, e := range msgs {
		if e.UID > prev {
			m.recent[e.UID] = true
			n++
		}
	}
	return n
}

func (m *selected) count() uint32 { return uint32(len(m.msgs)) }

// seqOf returns the sequence number of uid, or 0.
func (m *selected) seqOf(uid uint32) uint32 {
	i := sort.Search(len(m.msgs), func(i int) bool { return m.msgs[i].UID >= uid })
	if i < len(m.msgs) && m.msgs[i].UID == uid {
		return uint32(i + 1)
	}
	return 0
}

// seqsOfUIDs returns the sequence numbers, ascending, of the messages
// whose UIDs are in set, "*" standing for the largest UID (RFC 9051
// section 6.4.9). It searches the view instead of listing its UIDs, since
// clients such as mbsync send one UID FETCH per message.
func (m *selected) seqsOfUIDs(set wire.SeqSet) []uint32 {
	if len(m.msgs) == 0 {
		return nil
	}
	top := m.msgs[len(m.msgs)-1].UID
	var out []uint32
	for _, r := range set.Ranges {
		lo, hi := r.Bounds(top)
		i := sort.Search(len(m.msgs), func(i int) bool { return m.msgs[i].UID >= lo })
		for ; i < len(m.msgs) && m.msgs[i].UID <= hi; i++ {
			out = append(out, uint32(i+1))
		}
	}
	if len(set.Ranges) > 1 {
		out = wire.SortUnique(out)
	}
	return out
}

// resolve turns a sequence set (or UID set) into sequence numbers of
// existing messages, ascending.
func (s *session) resolve(set wire.SeqSet, uid bool) ([]uint32, error) {
	m := s.sel
	if set.Saved {
		var out []uint32
		for _, u := range s.saved {
			if n := m.seqOf(u); n != 0 {
				out = append(out, n)
			}
		}
		return out, nil
	}
	if uid {
		return m.seqsOfUIDs(set), nil
	}
	if m.count() == 0 {
		return nil, errBad("", "No messages in mailbox")
	}
	for _, r := range set.Ranges {
		if r.Start > m.count() || r.Stop > m.count() {
			return nil, errBad("", "Sequence number out of range")
		}
	}
	return set.Expand(m.count()), nil
}

// imapFlag maps a stored JMAP keyword to its IMAP spelling.
func imapFlag(k string) string {
	switch k {
	case "$seen":
		return `\Seen`
	case "$flagged":
		return `\Flagged`
	case "$answered":
		return `\Answered`
	case "$draft":
		return `\Draft`
	case "$deleted":
		return `\Deleted`
	}
	return k
}

// storeKeyword maps an IMAP flag to the stored keyword; ok is false for
// a system flag that cannot be stored (\Recent or unknown).
func storeKeyword(f string) (string, bool) {
	if strings.HasPrefix(f, `\`) {
		switch strings.ToLower(f) {
		case `\seen`:
			return "$seen", true
		case `\flagged`:
			return "$flagged", true
		case `\answered`:
			return "$answered", true
		case `\draft`:
			return "$draft", true
		case `\deleted`:
			return "$deleted", true
		}
		return "", false
	}
	return f, true
}

func hasKeyword(kw []string, k string) bool {
	for _, x := range kw {
		if strings.EqualFold(x, k) {
			return true
		}
	}
	return false
}

func (s *session) countRecent() int {
	n := 0
	for _, e := range s.sel.msgs {
		if s.sel.recent[e.UID] {
			n++
		}
	}
	return n
}

// writeFlags writes "(\Seen foo)" for the keywords of a message.
func (s *session) writeFlags(kw []string, uid uint32) {
	e := s.c.enc
	e.Byte('(')
	for i, k := range kw {
		if i > 0 {
			e.SP()
		}
		e.Raw(s.flagName(k))
	}
	if !s.rev2 && s.sel != nil && s.sel.recent[uid] {
		if len(kw) > 0 {
			e.SP()
		}
		e.Raw(`\Recent`)
	}
	e.Byte(')')
}

// writeFlagUpdate writes "* n FETCH (FLAGS (...) [UID u] [MODSEQ (m)])".
func (s *session) writeFlagUpdate(seq uint32, en mailstore.Entry, withUID bool) {
	e := s.untagged().Number(seq).Raw(" FETCH (")
	if withUID {
		e.Raw("UID ").Number(en.UID).SP()
	}
	e.Raw("FLAGS ")
	s.writeFlags(en.Keywords, en.UID)
	if s.condstore {
		e.Raw(" MODSEQ (").Number64(en.ModSeq).Byte(')')
	}
	e.Raw(")").CRLF()
}

// drainEvents takes pending change events and marks the view dirty when
// one concerns the selected mailbox.
func (s *session) drainEvents() {
	s.drainShared()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.events = nil
				return
			}
			s.noteEvent(ev)
		default:
			return
		}
	}
}

func (s *session) noteEvent(ev mailstore.Event) {
	if s.sel == nil || ev.Account != s.selAccount() {
		return
	}
	if len(ev.Mailboxes) == 0 || slices.Contains(ev.Mailboxes, s.sel.mbox.ID) {
		s.dirty = true
	}
}

// update reports changes other sessions made to the selected mailbox
// (RFC 9051 section 5.2): expunges when allowed, flag changes, then new
// messages.
func (s *session) update(allowExpunge bool) {
	s.drainEvents()
	if s.sel == nil || !s.dirty {
		return
	}
	entries, mbox, err := s.store.List(s.ctx, s.selAccount(), s.sel.mbox.ID)
	if err != nil {
		s.c.log.Warn("imap mailbox refresh failed", "account", s.account, "err", err)
		return
	}
	s.dirty = false
	s.applyChanges(entries, mbox, allowExpunge)
}

// applyChanges merges the fresh list into the view, writing responses.
func (s *session) applyChanges(entries []mailstore.Entry, mbox mailstore.Mailbox,
	allowExpunge bool) {
	m := s.sel
	old := m.msgs
	next := make([]mailstore.Entry, 0, len(entries))
	var vanished []uint32
	var expungedSeqs []uint32
	j := 0
	for i, o := range old {
		for j < len(entries) && entries[j].UID < o.UID {
			j++ // a new message below a known UID cannot happen; skip it
		}
		if j < len(entries) && entries[j].UID == o.UID {
			next = append(next, entries[j])
			j++
			continue
		}
		if !allowExpunge {
			next = append(next, o)
			s.dirty = true
			continue
		}
		vanished = append(vanished, o.UID)
		expungedSeqs = append(expungedSeqs, uint32(i+1))
	}
	if allowExpunge && len(vanished) > 0 {
		s.writeExpunged(vanished, expungedSeqs)
	}
	// Flag changes of messages the client knows.
	for i, n := range next {
		if o, ok := s.findOld(old, n.UID); ok && o.ModSeq != n.ModSeq &&
			!slices.Equal(o.Keywords, n.Keywords) {
			s.writeFlagUpdate(uint32(i+1), n, s.qresync || s.uidCmd)
		}
	}
	known := len(next)
	for ; j < len(entries); j++ {
		next = append(next, entries[j])
	}
	s.takeRecent(next[known:])
	m.msgs = next
	m.mbox = mbox
	if len(next) != known {
		s.untagged().Number(uint32(len(next))).Raw(" EXISTS").CRLF()
		if !s.rev2 {
			s.untagged().Number(uint32(s.countRecent())).Raw(" RECENT").CRLF()
		}
	}

}

func (s *session) findOld(old []mailstore.Entry, uid uint32) (mailstore.Entry, bool) {
	i := sort.Search(len(old), func(i int) bool { return old[i].UID >= uid })
	if i < len(old) && old[i].UID == uid {
		return old[i], true
	}
	return mailstore.Entry{}, false
}

// writeExpunged reports removed messages: VANISHED under QRESYNC (RFC
// 7162 section 3.2.10), else EXPUNGE from the highest sequence number
// down so that each number is right when it is read.
func (s *session) writeExpunged(uids, seqs []uint32) {
	s.contextsExpunged(uids, seqs)
	if s.qresync {
		s.untagged().Raw("VANISHED ").Raw(wire.FormatSet(uids)).CRLF()
		return
	}
	for i := len(seqs) - 1; i >= 0; i-- {
		s.untagged().Number(seqs[i]).Raw(" EXPUNGE").CRLF()
	}
}

// removeExpunged drops expunged UIDs from the view after this session's
// own EXPUNGE or MOVE and reports them.
func (s *session) removeExpunged(uids []uint32) {
	if len(uids) == 0 {
		return
	}
	gone := make(map[uint32]bool, len(uids))
	for _, u := range uids {
		gone[u] = true
	}
	m := s.sel
	next := m.msgs[:0:0]
	var seqs, vanished []uint32
	for i, e := range m.msgs {
		if gone[e.UID] {
			seqs = append(seqs, uint32(i+1))
			vanished = append(vanished, e.UID)
			continue
		}
		next = append(next, e)
	}
	m.msgs = next
	s.writeExpunged(vanished, seqs)
}

// enableCondstore turns CONDSTORE on for a CONDSTORE-enabling command
// (RFC 7162 section 3.1) and reports the HIGHESTMODSEQ of the selected
// mailbox when this is the first time.
func (s *session) enableCondstore() {
	if s.condstore {
		return
	}
	s.condstore = true
	if s.sel != nil {
		s.untagged().Raw("OK [HIGHESTMODSEQ ").Number64(max(s.sel.mbox.HighestModSeq, 1)).
			Raw("] Highest").CRLF()
	}
}
