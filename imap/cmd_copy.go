package imap

import (
	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

type copyArgs struct {
	set     wire.SeqSet
	mailbox string
}

func parseCopy(p *parser) (any, error) {
	var a copyArgs
	var err error
	if err = p.d.SP(); err == nil {
		if a.set, err = p.seqSet(); err == nil {
			if err = p.d.SP(); err == nil {
				a.mailbox, err = p.mailbox()
			}
		}
	}
	return a, err
}

// cmdCopy runs COPY (RFC 9051 section 6.4.7) and MOVE (RFC 6851) with the
// COPYUID response code (RFC 4315).
func (s *session) cmdCopy(cmd *command) error {
	a := cmd.args.(copyArgs)
	move := cmd.name == "MOVE"
	if move && s.sel.readOnly {
		return errNo("READ-ONLY", "Mailbox is read-only")
	}
	// MOVE deletes and expunges from the source (RFC 4314 section 4).
	moveNeeds := mailstore.RightDeleteMessages | mailstore.RightExpunge
	if move && !s.selRights().Has(moveNeeds) {
		return errNoPerm(moveNeeds &^ s.selRights())
	}
	seqs, err := s.resolve(a.set, cmd.uid)
	if err != nil {
		return err
	}
	dst, err := s.insertTarget(a.mailbox)
	if err != nil {
		return err
	}
	if len(seqs) == 0 {
		if cmd.uid {
			return nil
		}
		return errNo("", "No messages")
	}
	uids := make([]uint32, len(seqs))
	for i, n := range seqs {
		uids[i] = s.sel.msgs[n-1].UID
	}
	var src, dstUIDs []uint32
	var validity uint32
	if owner := s.selAccount(); dst.owner == owner {
		// MOVE is one transaction, also within one mailbox, where the
		// messages get new UIDs (RFC 6851, section 3.3).
		op := s.store.Copy
		if move {
			op = s.store.Move
		}
		src, dstUIDs, validity, err = op(s.ctx, owner, s.sel.mbox.ID, uids, dst.mb.ID)
	} else {
		src, dstUIDs, validity, err = s.copyAcross(seqs, dst, move)
	}
	if err != nil {
		return err
	}
	code := "COPYUID " + itoa(validity) + " " + wire.FormatList(src) + " " +
		wire.FormatList(dstUIDs)
	if len(src) == 0 {
		code = ""
	}
	if s.isSelected(dst.owner, dst.mb.ID) {
		s.dirty = true
	}
	if !move {
		s.okCode = code
		return nil
	}
	if code != "" {
		s.untagged().Raw("OK [").Raw(code).Raw("] Moved").CRLF()
	}
	s.removeExpunged(src)
	return nil
}
