package imap

import (
	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

func parseExpunge(p *parser) (any, error) {
	if p.d.AtEOL() {
		return nil, nil
	}
	if err := p.d.SP(); err != nil {
		return nil, err
	}
	return p.seqSet()
}

// cmdExpunge runs EXPUNGE (RFC 9051 section 6.4.3) and UID EXPUNGE (RFC
// 4315 section 2.1).
func (s *session) cmdExpunge(cmd *command) error {
	if s.sel.readOnly {
		return errNo("READ-ONLY", "Mailbox is read-only")
	}
	if !s.selRights().Has(mailstore.RightExpunge) {
		return errNoPerm(mailstore.RightExpunge)
	}
	var set *wire.SeqSet
	if cmd.uid {
		ss, ok := cmd.args.(wire.SeqSet)
		if !ok {
			return errBad("", "UID EXPUNGE needs a UID set")
		}
		set = &ss
	} else if cmd.args != nil {
		return errBad("", "EXPUNGE takes no arguments")
	}
	var uids []uint32
	var max uint32
	if n := len(s.sel.msgs); n > 0 {
		max = s.sel.msgs[n-1].UID
	}
	for _, e := range s.sel.msgs {
		if !hasKeyword(e.Keywords, "$deleted") {
			continue
		}
		if set != nil && !set.Saved && !set.Contains(e.UID, max) {
			continue
		}
		if set != nil && set.Saved && !containsUID(s.saved, e.UID) {
			continue
		}
		uids = append(uids, e.UID)
	}
	if len(uids) == 0 {
		return nil
	}
	gone, err := s.store.Expunge(s.ctx, s.selAccount(), s.sel.mbox.ID, uids)
	if err != nil {
		return err
	}
	s.removeExpunged(gone)
	return nil
}

func containsUID(list []uint32, u uint32) bool {
	for _, x := range list {
		if x == u {
			return true
		}
	}
	return false
}
