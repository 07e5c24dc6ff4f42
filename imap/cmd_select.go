package imap

import (
	"errors"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// selectArgs are SELECT/EXAMINE arguments with the CONDSTORE and QRESYNC
// parameters (RFC 7162 sections 3.1.8 and 3.2.5).
type selectArgs struct {
	mailbox   string
	condstore bool
	qresync   *qresyncParams
}

type qresyncParams struct {
	uidValidity uint32
	modseq      uint64
	known       *wire.SeqSet
}

func parseSelect(p *parser) (any, error) {
	var a selectArgs
	var err error
	if err = p.d.SP(); err != nil {
		return nil, err
	}
	if a.mailbox, err = p.mailbox(); err != nil {
		return nil, err
	}
	if !p.d.Accept(' ') {
		return a, nil
	}
	err = p.d.List(0, func() error {
		name, err := p.d.Atom()
		if err != nil {
			return err
		}
		switch strings.ToUpper(name) {
		case "CONDSTORE":
			a.condstore = true
			return nil
		case "QRESYNC":
			if err := p.d.SP(); err != nil {
				return err
			}
			a.qresync, err = parseQresync(p)
			return err
		}
		return &wire.SyntaxError{Msg: "unknown SELECT parameter " + name}
	})
	return a, err
}

func parseQresync(p *parser) (*qresyncParams, error) {
	q := &qresyncParams{}
	i := 0
	err := p.d.List(0, func() error {
		var err error
		switch i {
		case 0:
			q.uidValidity, err = p.d.Number()
		case 1:
			q.modseq, err = p.d.Number64()
		default:
			if b, _ := p.d.Peek(); b == '(' {
				// seq-match-data: accepted and not used; known UIDs suffice.
				return p.d.List(1, func() error { _, err := p.d.Token(); return err })
			}
			var set wire.SeqSet
			if set, err = p.seqSet(); err == nil {
				q.known = &set
			}
		}
		i++
		return err
	})
	if err == nil && i < 2 {
		err = &wire.SyntaxError{Msg: "QRESYNC needs UIDVALIDITY and MODSEQ"}
	}
	return q, err
}

func (s *session) cmdSelect(cmd *command) error {
	a := cmd.args.(selectArgs)
	s.leaveShared()
	if s.sel != nil {
		s.sel = nil
		s.st = stateAuth
		if s.qresync {
			s.untagged().Raw("OK [CLOSED] Previous mailbox closed").CRLF()
		}
	}
	if a.qresync != nil && !s.qresync {
		return errBad("", "QRESYNC is not enabled")
	}
	if a.condstore {
		s.condstore = true
	}
	ref, err := s.selectTarget(a.mailbox)
	if err != nil {
		return err
	}
	entries, mbox, err := s.store.List(s.ctx, ref.owner, ref.mb.ID)
	if err != nil {
		s.leaveShared()
		return s.mailboxError(err)
	}
	if ref.owner != s.account {
		mbox.Name = sharedName(ref.owner, mbox.Name)
	}
	s.drainEvents()
	s.sel = &selected{mbox: mbox, msgs: entries,
		readOnly: cmd.name == "EXAMINE" || ref.rights&writeRights == 0,
		modseq:   mbox.HighestModSeq, recent: map[uint32]bool{}}
	s.takeRecent(entries)
	s.st = stateSelected
	s.dirty = false
	s.saved = nil
	s.writeSelectInfo()
	if a.qresync != nil && a.qresync.uidValidity == mbox.UIDValidity {
		if err := s.qresyncSelect(a.qresync); err != nil {
			return err
		}
	}
	if s.sel.readOnly {
		s.okCode = "READ-ONLY"
	} else {
		s.okCode = "READ-WRITE"
	}
	return nil
}

// writeSelectInfo writes the untagged data of SELECT (RFC 9051 section
// 6.3.2, RFC 3501 section 6.3.1).
func (s *session) writeSelectInfo() {
	m := s.sel
	kws := map[string]bool{}
	var extra []string
	firstUnseen := uint32(0)
	for i, e := range m.msgs {
		for _, k := range e.Keywords {
			if !strings.HasPrefix(imapFlag(k), `\`) && !kws[k] {
				kws[k] = true
				extra = append(extra, s.flagName(k))
			}
		}
		if firstUnseen == 0 && !hasKeyword(e.Keywords, "$seen") {
			firstUnseen = uint32(i + 1)
		}
	}
	flags := `\Answered \Flagged \Deleted \Seen \Draft`
	if len(extra) > 0 {
		flags += " " + strings.Join(extra, " ")
	}
	s.untagged().Raw("FLAGS (").Raw(flags).Raw(")").CRLF()
	s.untagged().Number(m.count()).Raw(" EXISTS").CRLF()
	if s.rev2 {
		// RFC 9051 section 6.3.2: the mailbox name as the server spells it.
		s.untagged().Raw(`LIST () "/" `).Mailbox(m.mbox.Name).CRLF()
	} else {
		s.untagged().Number(uint32(s.countRecent())).Raw(" RECENT").CRLF()
		if firstUnseen > 0 {
			s.untagged().Raw("OK [UNSEEN ").Number(firstUnseen).Raw("] First unseen").CRLF()
		}
	}
	if m.readOnly {
		s.untagged().Raw("OK [PERMANENTFLAGS ()] Read-only mailbox").CRLF()
	} else {
		s.untagged().Raw("OK [PERMANENTFLAGS (").Raw(s.permanentFlags(flags)).
			Raw(`)] Flags permitted`).CRLF()
	}
	s.untagged().Raw("OK [UIDVALIDITY ").Number(m.mbox.UIDValidity).Raw("] UIDs valid").CRLF()
	s.untagged().Raw("OK [UIDNEXT ").Number(m.mbox.UIDNext).Raw("] Predicted next UID").CRLF()
	s.untagged().Raw("OK [HIGHESTMODSEQ ").Number64(max(m.mbox.HighestModSeq, 1)).
		Raw("] Highest").CRLF()
	s.untagged().Raw("OK [MAILBOXID (").Raw(string(m.mbox.ID)).Raw(")] Ok").CRLF()
}

// qresyncSelect reports what changed since the client's MODSEQ (RFC 7162
// section 3.2.5.2): VANISHED (EARLIER) and FETCH of changed messages.
func (s *session) qresyncSelect(q *qresyncParams) error {
	m := s.sel
	gone, err := s.store.Vanished(s.ctx, s.selAccount(), m.mbox.ID, q.modseq)
	if err != nil && !errors.Is(err, mailstore.ErrChangesTrimmed) {
		return err
	}
	if q.known != nil {
		var keep []uint32
		for _, u := range gone {
			if q.known.Contains(u, ^uint32(0)) {
				keep = append(keep, u)
			}
		}
		gone = keep
	}
	if len(gone) > 0 {
		s.untagged().Raw("VANISHED (EARLIER) ").Raw(wire.FormatSet(gone)).CRLF()
	}
	for i, e := range m.msgs {
		if e.ModSeq > q.modseq {
			s.writeFlagUpdate(uint32(i+1), e, true)
		}
	}
	return nil
}

// mailboxError maps a lookup failure of a named mailbox.
func (s *session) mailboxError(err error) error {
	if errors.Is(err, mailstore.ErrNotFound) {
		return errNo("NONEXISTENT", "No such mailbox")
	}
	return err
}

func (s *session) cmdClose(cmd *command) error {
	m := s.sel
	if cmd.name == "CLOSE" && !m.readOnly && s.selRights().Has(mailstore.RightExpunge) {
		// CLOSE expunges silently (RFC 9051 section 6.4.1).
		var del []uint32
		for _, e := range m.msgs {
			if hasKeyword(e.Keywords, "$deleted") {
				del = append(del, e.UID)
			}
		}
		if len(del) > 0 {
			if _, err := s.store.Expunge(s.ctx, s.selAccount(), m.mbox.ID, del); err != nil {
				return err
			}
		}
	}
	s.sel = nil
	s.leaveShared()
	s.st = stateAuth
	return nil
}
