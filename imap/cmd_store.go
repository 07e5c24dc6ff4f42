package imap

import (
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// storeArgs are STORE arguments with UNCHANGEDSINCE (RFC 7162 section
// 3.1.3).
type storeArgs struct {
	set            wire.SeqSet
	op             mailstore.FlagOp
	silent         bool
	flags          []string
	unchangedSince uint64
	hasUnchanged   bool
}

func parseStore(p *parser) (any, error) {
	var a storeArgs
	var err error
	d := p.d
	if err = d.SP(); err != nil {
		return nil, err
	}
	if a.set, err = p.seqSet(); err != nil {
		return nil, err
	}
	if err = d.SP(); err != nil {
		return nil, err
	}
	if b, _ := d.Peek(); b == '(' {
		err = d.List(0, func() error {
			m, err := d.Atom()
			if err != nil {
				return err
			}
			if !strings.EqualFold(m, "UNCHANGEDSINCE") {
				return &wire.SyntaxError{Msg: "unknown STORE modifier " + m}
			}
			if err := d.SP(); err != nil {
				return err
			}
			a.unchangedSince, err = d.Number64()
			a.hasUnchanged = true
			return err
		})
		if err != nil {
			return nil, err
		}
		if err = d.SP(); err != nil {
			return nil, err
		}
	}
	item, err := d.Atom()
	if err != nil {
		return nil, err
	}
	item = strings.ToUpper(item)
	switch {
	case strings.HasPrefix(item, "+"):
		a.op, item = mailstore.FlagsAdd, item[1:]
	case strings.HasPrefix(item, "-"):
		a.op, item = mailstore.FlagsRemove, item[1:]
	default:
		a.op = mailstore.FlagsReplace
	}
	switch item {
	case "FLAGS":
	case "FLAGS.SILENT":
		a.silent = true
	default:
		return nil, &wire.SyntaxError{Msg: "expected FLAGS, +FLAGS or -FLAGS"}
	}
	if err = d.SP(); err != nil {
		return nil, err
	}
	a.flags, err = p.flagList()
	return a, err
}

// flagList reads "(flag ...)" or space-separated flags without
// parentheses, which RFC 9051 section 6.4.6 also allows.
func (p *parser) flagList() ([]string, error) {
	var flags []string
	d := p.d
	if b, _ := d.Peek(); b == '(' {
		err := d.List(0, func() error {
			f, err := p.flag()
			flags = append(flags, f)
			return err
		})
		return flags, err
	}
	for {
		f, err := p.flag()
		if err != nil {
			return nil, err
		}
		flags = append(flags, f)
		if !d.Accept(' ') {
			return flags, nil
		}
	}
}

func (s *session) cmdStore(cmd *command) error {
	a := cmd.args.(storeArgs)
	if s.sel.readOnly {
		return errNo("READ-ONLY", "Mailbox is read-only")
	}
	kw, err := keywordsOf(a.flags)
	if err != nil {
		return err
	}
	if err := s.storeRights(a.op, kw); err != nil {
		return err
	}
	seqs, err := s.resolve(a.set, cmd.uid)
	if err != nil {
		return err
	}
	if a.hasUnchanged {
		s.enableCondstore()
	}
	if len(seqs) == 0 {
		return nil
	}
	uids := make([]uint32, len(seqs))
	for i, n := range seqs {
		uids[i] = s.sel.msgs[n-1].UID
	}
	var updated []mailstore.Entry
	var failed []uint32
	if a.hasUnchanged && a.unchangedSince == 0 {
		// Every message has a MODSEQ above 0 (RFC 7162 section 3.1.3).
		failed = uids
	} else {
		updated, failed, err = s.store.Store(s.ctx, s.selAccount(), s.sel.mbox.ID, uids, a.op,
			kw, a.unchangedSince)
		if err != nil {
			return err
		}
		if a.op != mailstore.FlagsRemove {
			s.c.srv.spell.note(s.account, a.flags)
		}
	}
	s.applyUpdated(updated)
	s.writeStoreResults(seqs, updated, failed, a.silent, cmd.uid)
	if len(failed) > 0 {
		s.okCode = "MODIFIED " + s.formatNums(failed, cmd.uid)
		s.okText = "Conditional STORE failed"
	}
	return nil
}

// writeStoreResults sends the FETCH responses of a STORE: flags unless
// silent, MODSEQ of changed messages under CONDSTORE even when silent
// (RFC 7162 section 3.1.3); failed messages get none.
func (s *session) writeStoreResults(seqs []uint32, updated []mailstore.Entry,
	failed []uint32, silent, uid bool) {
	bad := map[uint32]bool{}
	for _, u := range failed {
		bad[u] = true
	}
	changed := map[uint32]bool{}
	for _, u := range updated {
		changed[u.UID] = true
	}
	for _, n := range seqs {
		en := s.sel.msgs[n-1]
		if bad[en.UID] || (silent && !(s.condstore && changed[en.UID])) {
			continue
		}
		if silent {
			s.untagged().Number(n).Raw(" FETCH (")
			if uid {
				s.c.enc.Raw("UID ").Number(en.UID).SP()
			}
			s.c.enc.Raw("MODSEQ (").Number64(en.ModSeq).Raw("))").CRLF()
			continue
		}
		s.writeFlagUpdate(n, en, uid)
	}
}

// formatNums writes UIDs, or their sequence numbers for a non-UID command.
func (s *session) formatNums(uids []uint32, uid bool) string {
	if uid {
		return wire.FormatSet(uids)
	}
	seqs := make([]uint32, 0, len(uids))
	for _, u := range uids {
		if n := s.sel.seqOf(u); n != 0 {
			seqs = append(seqs, n)
		}
	}
	return wire.FormatSet(seqs)
}
