package imap

import (
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

type statusArgs struct {
	mailbox string
	items   []string
}

func parseStatus(p *parser) (any, error) {
	var a statusArgs
	var err error
	if err = p.d.SP(); err != nil {
		return nil, err
	}
	if a.mailbox, err = p.mailbox(); err != nil {
		return nil, err
	}
	if err = p.d.SP(); err != nil {
		return nil, err
	}
	a.items, err = parseStatusItems(p)
	return a, err
}

// parseStatusItems reads "(MESSAGES UNSEEN ...)" (RFC 9051 section
// 6.3.11, STATUS=SIZE RFC 8438, HIGHESTMODSEQ RFC 7162, MAILBOXID RFC 8474).
func parseStatusItems(p *parser) ([]string, error) {
	var items []string
	err := p.d.List(0, func() error {
		a, err := p.d.Atom()
		if err != nil {
			return err
		}
		a = strings.ToUpper(a)
		switch a {
		case "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED",
			"SIZE", "HIGHESTMODSEQ", "APPENDLIMIT", "MAILBOXID", "DELETED-STORAGE":
			items = append(items, a)
			return nil
		}
		return &wire.SyntaxError{Msg: "unknown STATUS item " + a}
	})
	if err == nil && len(items) == 0 {
		err = &wire.SyntaxError{Msg: "empty STATUS item list"}
	}
	return items, err
}

func (s *session) cmdStatus(cmd *command) error {
	a := cmd.args.(statusArgs)
	ref, err := s.lookupMailbox(a.mailbox)
	if err != nil {
		return err
	}
	if err := ref.need(mailstore.RightRead); err != nil {
		return err
	}
	return s.writeStatusOf(ref.owner, a.mailbox, ref.mb, a.items)
}

// writeStatus writes "* STATUS name (items)" for a mailbox LIST reports;
// one of the other users' namespace needs the "r" right (RFC 4314
// section 4), without which nothing is written.
func (s *session) writeStatus(name string, mb mailstore.Mailbox, items []string) error {
	owner := s.account
	if inOtherUsers(name) {
		ref, err := s.lookupMailbox(name)
		if err == nil {
			err = ref.need(mailstore.RightRead)
		}
		if err != nil {
			return err
		}
		owner, mb = ref.owner, ref.mb
	}
	return s.writeStatusOf(owner, name, mb, items)
}

// writeStatusOf writes "* STATUS name (items)" for a mailbox of owner.
func (s *session) writeStatusOf(owner, name string, mb mailstore.Mailbox, items []string) error {
	var deleted uint32
	var deletedSize int64
	for _, it := range items {
		if it == "DELETED" || it == "DELETED-STORAGE" {
			entries, _, err := s.store.List(s.ctx, owner, mb.ID)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if hasKeyword(e.Keywords, "$deleted") {
					deleted++
					deletedSize += e.Size
				}
			}
			break
		}
	}
	e := s.untagged().Raw("STATUS ").Mailbox(name).Raw(" (")
	for i, it := range items {
		if i > 0 {
			e.SP()
		}
		e.Raw(it).SP()
		switch it {
		case "MESSAGES":
			e.Number(mb.Total)
		case "RECENT":
			mark := s.c.srv.claimRecent(s.recentKey(owner, mb.ID), 0, false)
			e.Number(uint32(max(int64(mb.UIDNext)-1-int64(mark), 0)))
		case "UIDNEXT":
			e.Number(mb.UIDNext)
		case "UIDVALIDITY":
			e.Number(mb.UIDValidity)
		case "UNSEEN":
			e.Number(mb.Unread)
		case "DELETED":
			e.Number(deleted)
		case "DELETED-STORAGE":
			e.Number64(uint64(deletedSize))
		case "SIZE":
			e.Number64(uint64(mb.Size))
		case "HIGHESTMODSEQ":
			e.Number64(max(mb.HighestModSeq, 1))
		case "APPENDLIMIT":
			e.Number64(uint64(s.c.srv.opts.AppendLimit))
		case "MAILBOXID":
			e.Raw("(").Raw(string(mb.ID)).Raw(")")
		}
	}
	e.Raw(")").CRLF()
	return nil
}
