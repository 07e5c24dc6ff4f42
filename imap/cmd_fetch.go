package imap

import (
	"errors"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// fetchArgs are FETCH arguments with the CHANGEDSINCE and VANISHED
// modifiers (RFC 7162 sections 3.1.4 and 3.2.6).
type fetchArgs struct {
	set          wire.SeqSet
	items        []wire.FetchItem
	changedSince uint64
	vanished     bool
}

func parseFetch(p *parser) (any, error) {
	var a fetchArgs
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
	if a.items, err = wire.ParseFetchItems(d); err != nil {
		return nil, err
	}
	if !d.Accept(' ') {
		return a, nil
	}
	err = d.List(0, func() error {
		m, err := d.Atom()
		if err != nil {
			return err
		}
		switch strings.ToUpper(m) {
		case "CHANGEDSINCE":
			if err := d.SP(); err != nil {
				return err
			}
			a.changedSince, err = d.Number64()
			return err
		case "VANISHED":
			a.vanished = true
			return nil
		}
		return &wire.SyntaxError{Msg: "unknown FETCH modifier " + m}
	})
	return a, err
}

// fetchPlan says what data a FETCH needs besides the entry.
type fetchPlan struct {
	items     []wire.FetchItem
	needEmail bool
	setSeen   bool
	hasFlags  bool
}

func (s *session) planFetch(a *fetchArgs, uid bool) fetchPlan {
	var pl fetchPlan
	hasUID, hasModSeq := false, false
	for _, it := range a.items {
		switch it.Name {
		case "UID":
			hasUID = true
		case "MODSEQ":
			hasModSeq = true
		case "FLAGS":
			pl.hasFlags = true
		case "ENVELOPE", "BODYSTRUCTURE", "BODY", "THREADID", "PREVIEW",
			"BINARY[]", "BINARY.SIZE", "RFC822.HEADER", "RFC822.TEXT":
			pl.needEmail = true
		case "BODY[]":
			// The whole message needs only its size, which the entry has;
			// a section needs the parsed structure.
			if len(it.Section.Path) > 0 || it.Section.Specifier != "" {
				pl.needEmail = true
			}
		}
		if (it.Name == "BODY[]" || it.Name == "BINARY[]") && !it.Peek ||
			it.Name == "RFC822" || it.Name == "RFC822.TEXT" {
			pl.setSeen = true
		}
	}
	items := a.items
	if uid && !hasUID {
		items = append([]wire.FetchItem{{Name: "UID"}}, items...)
	}
	if a.changedSince > 0 && !hasModSeq {
		items = append(items, wire.FetchItem{Name: "MODSEQ"})
	}
	if hasModSeq {
		s.enableCondstore()
	}
	pl.items = items
	if s.sel.readOnly {
		pl.setSeen = false
	}
	return pl
}

func (s *session) cmdFetch(cmd *command) error {
	a := cmd.args.(fetchArgs)
	if a.vanished && (!cmd.uid || !s.qresync || a.changedSince == 0) {
		return errBad("", "VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE")
	}
	if a.changedSince > 0 {
		s.enableCondstore()
	}
	seqs, err := s.resolve(a.set, cmd.uid)
	if err != nil {
		return err
	}
	if a.vanished {
		if err := s.fetchVanished(a); err != nil {
			return err
		}
	}
	pl := s.planFetch(&a, cmd.uid)
	if pl.setSeen {
		if err := s.markSeen(seqs); err != nil {
			return err
		}
	}
	if a.changedSince > 0 {
		kept := seqs[:0]
		for _, n := range seqs {
			if s.sel.msgs[n-1].ModSeq > a.changedSince {
				kept = append(kept, n)
			}
		}
		seqs = kept
	}
	const batch = 256
	for len(seqs) > 0 {
		chunk := seqs[:min(batch, len(seqs))]
		seqs = seqs[len(chunk):]
		if err := s.fetchChunk(chunk, &pl); err != nil {
			return err
		}
	}
	return nil
}

// fetchChunk loads the emails of some messages in one read and writes
// their FETCH responses.
func (s *session) fetchChunk(seqs []uint32, pl *fetchPlan) error {
	var emails []*mailstore.Email
	if pl.needEmail {
		ids := make([]mailstore.EmailID, len(seqs))
		for i, n := range seqs {
			ids[i] = s.sel.msgs[n-1].EmailID
		}
		var err error
		if emails, err = s.store.Emails(s.ctx, s.selAccount(), ids); err != nil {
			return err
		}
	}
	for i, seq := range seqs {
		var em *mailstore.Email
		if pl.needEmail {
			if em = emails[i]; em == nil {
				continue // expunged by another session meanwhile
			}
		}
		if err := s.fetchOne(seq, s.sel.msgs[seq-1], em, pl); err != nil {
			if errors.Is(err, mailstore.ErrNotFound) {
				continue
			}
			return err
		}
		if err := s.c.enc.Err(); err != nil {
			return err
		}
	}
	return nil
}

// fetchVanished reports UIDs of the set expunged since CHANGEDSINCE (RFC
// 7162 section 3.2.6).
func (s *session) fetchVanished(a fetchArgs) error {
	gone, err := s.store.Vanished(s.ctx, s.selAccount(), s.sel.mbox.ID, a.changedSince)
	if err != nil && !errors.Is(err, mailstore.ErrChangesTrimmed) {
		return err
	}
	var keep []uint32
	for _, u := range gone {
		if a.set.Contains(u, s.sel.mbox.UIDNext) {
			keep = append(keep, u)
		}
	}
	if len(keep) > 0 {
		s.untagged().Raw("VANISHED (EARLIER) ").Raw(wire.FormatSet(keep)).CRLF()
	}
	return nil
}

// markSeen sets \Seen on the fetched messages that lack it (RFC 9051
// section 6.4.5, BODY[] without PEEK).
func (s *session) markSeen(seqs []uint32) error {
	var uids []uint32
	for _, n := range seqs {
		if !hasKeyword(s.sel.msgs[n-1].Keywords, "$seen") {
			uids = append(uids, s.sel.msgs[n-1].UID)
		}
	}
	// Without the "s" right \Seen is left alone (RFC 4314 section 4).
	if len(uids) == 0 || !s.selRights().Has(mailstore.RightSeen) {
		return nil
	}
	updated, _, err := s.store.Store(s.ctx, s.selAccount(), s.sel.mbox.ID, uids,
		mailstore.FlagsAdd, []string{"$seen"}, 0)
	if err != nil {
		return err
	}
	s.applyUpdated(updated)
	return nil
}

// applyUpdated writes fresh entries into the view.
func (s *session) applyUpdated(updated []mailstore.Entry) {
	for _, u := range updated {
		if n := s.sel.seqOf(u.UID); n != 0 {
			s.sel.msgs[n-1] = u
		}
	}
}

// fetchOne writes the FETCH response of one message.
func (s *session) fetchOne(seq uint32, en mailstore.Entry, em *mailstore.Email,
	pl *fetchPlan) error {
	e := s.c.enc
	e.Raw("* ").Number(seq).Raw(" FETCH (")
	flagsDone := false
	for i, it := range pl.items {
		if i > 0 {
			e.SP()
		}
		if it.Name == "FLAGS" {
			flagsDone = true
		}
		if err := s.fetchItem(en, em, it); err != nil {
			return err
		}
	}
	if pl.setSeen && !flagsDone {
		e.Raw(" FLAGS ")
		s.writeFlags(en.Keywords, en.UID)
	}
	e.Raw(")").CRLF()
	return nil
}

func (s *session) fetchItem(en mailstore.Entry, em *mailstore.Email, it wire.FetchItem) error {
	e := s.c.enc
	switch it.Name {
	case "UID":
		e.Raw("UID ").Number(en.UID)
	case "FLAGS":
		e.Raw("FLAGS ")
		s.writeFlags(en.Keywords, en.UID)
	case "INTERNALDATE":
		e.Raw("INTERNALDATE \"").Raw(wire.FormatDateTime(en.Received)).Byte('"')
	case "RFC822.SIZE":
		e.Raw("RFC822.SIZE ").Number64(uint64(en.Size))
	case "MODSEQ":
		e.Raw("MODSEQ (").Number64(en.ModSeq).Byte(')')
	case "EMAILID":
		e.Raw("EMAILID (").Raw(string(en.EmailID)).Byte(')')
	case "THREADID":
		e.Raw("THREADID (").Raw(string(em.ThreadID)).Byte(')')
	case "SAVEDATE":
		e.Raw("SAVEDATE NIL")
	case "ENVELOPE":
		e.Raw("ENVELOPE ")
		writeEnvelope(e, em.Parsed)
	case "BODY", "BODYSTRUCTURE":
		e.Raw(it.Name).SP()
		var root = em.Parsed
		if root == nil {
			writeBodyStructure(e, nil, false)
		} else {
			writeBodyStructure(e, root.Root, it.Name == "BODYSTRUCTURE")
		}
	case "PREVIEW":
		e.Raw("PREVIEW ")
		if em.Parsed == nil || em.Parsed.Preview == "" {
			e.NIL()
		} else {
			e.String(em.Parsed.Preview)
		}
	default:
		return s.fetchBody(en, em, it)
	}
	return nil
}
