package imap

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
)

// maxContexts bounds the searches one session keeps up to date; a further
// SEARCH RETURN (UPDATE) gets OK [NOUPDATE] (RFC 5267 section 4.3.1).
const maxContexts = 8

// searchContext is a SEARCH RETURN (UPDATE) result that the session keeps
// current, reporting changes as ESEARCH ADDTO and REMOVEFROM (RFC 5267
// section 4.3).
type searchContext struct {
	tag  string
	keys *wire.SearchKey
	uid  bool
	// uids is the result as this session last reported it, ascending.
	uids []uint32
}

// parsePartial reads the range of RETURN (PARTIAL low:high) (RFC 5267
// section 4.4): two non-zero numbers, in either order.
func parsePartial(d *wire.Decoder) ([2]uint32, error) {
	tok, err := d.Token()
	if err != nil {
		return [2]uint32{}, err
	}
	lo, hi, ok := strings.Cut(tok, ":")
	a, errA := strconv.ParseUint(lo, 10, 32)
	b, errB := strconv.ParseUint(hi, 10, 32)
	if !ok || errA != nil || errB != nil || a == 0 || b == 0 {
		return [2]uint32{}, &wire.SyntaxError{Msg: "PARTIAL needs a range low:high"}
	}
	return [2]uint32{uint32(min(a, b)), uint32(max(a, b))}, nil
}

// writePartial writes " PARTIAL (low:high set)", the members of the
// result at those positions (in sort order when sorted), or NIL when
// there are none.
func writePartial(e *wire.Encoder, r [2]uint32, nums []uint32, sorted bool) {
	e.Raw(" PARTIAL (").Number(r[0]).Byte(':').Number(r[1]).SP()
	lo, hi := int(r[0])-1, min(int(r[1]), len(nums))
	if lo >= hi {
		e.NIL().Byte(')')
		return
	}
	if sorted {
		e.Raw(wire.FormatList(nums[lo:hi])).Byte(')')
		return
	}
	e.Raw(wire.FormatSet(nums[lo:hi])).Byte(')')
}

// addContext starts keeping the result of a SEARCH RETURN (UPDATE).
func (s *session) addContext(cmd *command, keys *wire.SearchKey, r searchResult) {
	m := s.sel
	if len(m.contexts) >= maxContexts {
		s.okCode = "NOUPDATE " + strconv.Quote(cmd.tag)
		return
	}
	m.contexts = append(m.contexts, &searchContext{tag: cmd.tag, keys: keys, uid: cmd.uid,
		uids: r.nums(s, true)})
	m.contextMark = m.mark()
}

// cmdCancelUpdate ends the updates of the named searches (RFC 5267
// section 4.3.5).
func (s *session) cmdCancelUpdate(cmd *command) error {
	m := s.sel
	for _, tag := range cmd.args.([]string) {
		i := slices.IndexFunc(m.contexts, func(c *searchContext) bool { return c.tag == tag })
		if i < 0 {
			return errBad("", "No search context "+tag)
		}
		m.contexts = slices.Delete(m.contexts, i, i+1)
	}
	return nil
}

func parseCancelUpdate(p *parser) (any, error) {
	var tags []string
	for p.d.Accept(' ') {
		t, err := p.d.String()
		if err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	if len(tags) == 0 {
		return nil, &wire.SyntaxError{Msg: "CANCELUPDATE needs a tag"}
	}
	return tags, nil
}

// contextsExpunged reports, before the EXPUNGE or VANISHED responses that
// remove them, the messages of uids that leave a kept result; seqs are
// their sequence numbers before the removal.
func (s *session) contextsExpunged(uids, seqs []uint32) {
	if s.sel == nil {
		return
	}
	for _, c := range s.sel.contexts {
		var gone, goneSeqs []uint32
		for i, u := range uids {
			if _, ok := slices.BinarySearch(c.uids, u); ok {
				gone = append(gone, u)
				goneSeqs = append(goneSeqs, seqs[i])
			}
		}
		if len(gone) == 0 {
			continue
		}
		c.uids = slices.DeleteFunc(c.uids, func(u uint32) bool {
			_, ok := slices.BinarySearch(gone, u)
			return ok
		})
		if c.uid {
			s.writeContextChange(c, "REMOVEFROM", gone)
		} else {
			s.writeContextChange(c, "REMOVEFROM", goneSeqs)
		}
	}
}

// refreshContexts searches again for every kept result and reports what
// entered and left it since last time.
func (s *session) refreshContexts() {
	if s.sel == nil || len(s.sel.contexts) == 0 {
		return
	}
	mark := s.sel.mark()
	if mark == s.sel.contextMark {
		return
	}
	s.sel.contextMark = mark
	for _, c := range s.sel.contexts {
		r, err := s.search(c.keys)
		if err != nil {
			s.c.log.Warn("imap search context refresh failed", "account", s.account, "err", err)
			continue
		}
		now := r.nums(s, true)
		var added, removed []uint32
		for _, u := range now {
			if _, ok := slices.BinarySearch(c.uids, u); !ok {
				added = append(added, u)
			}
		}
		for _, u := range c.uids {
			if _, ok := slices.BinarySearch(now, u); !ok {
				removed = append(removed, u)
			}
		}
		c.uids = now
		if len(removed) > 0 {
			s.writeContextChange(c, "REMOVEFROM", s.contextNums(c, removed))
		}
		if len(added) > 0 {
			s.writeContextChange(c, "ADDTO", s.contextNums(c, added))
		}
	}
}

// contextNums turns UIDs of the view into the numbers a context reports.
func (s *session) contextNums(c *searchContext, uids []uint32) []uint32 {
	if c.uid {
		return uids
	}
	out := make([]uint32, 0, len(uids))
	for _, u := range uids {
		if n := s.sel.seqOf(u); n != 0 {
			out = append(out, n)
		}
	}
	return out
}

// writeContextChange writes "* ESEARCH (TAG t) [UID] ADDTO (0 set)" or
// REMOVEFROM; the position is 0 since a SEARCH result has no order of its
// own (RFC 5267 section 4.3.2).
func (s *session) writeContextChange(c *searchContext, what string, nums []uint32) {
	if len(nums) == 0 {
		return
	}
	e := s.untagged().Raw("ESEARCH (TAG ").Quoted(c.tag).Byte(')')
	if c.uid {
		e.Raw(" UID")
	}
	e.SP().Raw(what).Raw(" (0 ").Raw(wire.FormatSet(nums)).Raw(")").CRLF()
}
