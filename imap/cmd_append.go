package imap

import (
	"bytes"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// appendMsg is one message of an APPEND (several with MULTIAPPEND, RFC
// 3502).
type appendMsg struct {
	flags []string
	date  time.Time
	data  []byte
	parts []catPart // CATENATE (RFC 4469) instead of data
}

type appendArgs struct {
	mailbox string
	msgs    []appendMsg
}

func parseAppend(p *parser) (any, error) {
	var a appendArgs
	var err error
	d := p.d
	if err = d.SP(); err != nil {
		return nil, err
	}
	if a.mailbox, err = p.mailbox(); err != nil {
		return nil, err
	}
	for {
		if err := d.SP(); err != nil {
			return nil, err
		}
		m, err := parseAppendMsg(p)
		if err != nil {
			return nil, err
		}
		a.msgs = append(a.msgs, m)
		if d.AtEOL() {
			return a, nil
		}
	}
}

func parseAppendMsg(p *parser) (appendMsg, error) {
	var m appendMsg
	d := p.d
	if b, _ := d.Peek(); b == '(' {
		err := d.List(0, func() error {
			f, err := p.flag()
			m.flags = append(m.flags, f)
			return err
		})
		if err != nil {
			return m, err
		}
		if err := d.SP(); err != nil {
			return m, err
		}
	}
	if b, _ := d.Peek(); b == '"' {
		s, err := d.Quoted()
		if err != nil {
			return m, err
		}
		if m.date, err = wire.ParseDateTime(s); err != nil {
			return m, err
		}
		if err := d.SP(); err != nil {
			return m, err
		}
	}
	if d.AcceptWord("CATENATE") {
		var err error
		m.parts, err = parseCatenate(p)
		return m, err
	}
	utf8 := false
	if b, _ := d.Peek(); b == 'U' || b == 'u' {
		// RFC 6855 section 4: UTF8 (literal8).
		a, err := d.Atom()
		if err != nil || !strings.EqualFold(a, "UTF8") {
			return m, &wire.SyntaxError{Msg: "expected message literal"}
		}
		if err := d.SP(); err != nil {
			return m, err
		}
		if err := d.Expect('(', "("); err != nil {
			return m, err
		}
		utf8 = true
	}
	saved := d.MaxLiteral
	d.MaxLiteral = p.appendLimit
	data, err := d.Literal()
	d.MaxLiteral = saved
	if err != nil {
		return m, err
	}
	m.data = data
	if utf8 {
		err = d.Expect(')', ")")
	}
	return m, err
}

func (s *session) cmdAppend(cmd *command) error {
	a := cmd.args.(appendArgs)
	ref, err := s.insertTarget(a.mailbox)
	if err != nil {
		return err
	}
	mb := ref.mb
	var uids []uint32
	var validity uint32
	for _, m := range a.msgs {
		kw, err := keywordsOf(m.flags)
		if err != nil {
			s.undoAppend(ref.owner, mb.ID, uids)
			return err
		}
		date := m.date
		if date.IsZero() {
			date = time.Now()
		}
		if m.parts != nil {
			if m.data, err = s.catenate(m.parts); err != nil {
				s.undoAppend(ref.owner, mb.ID, uids)
				return err
			}
		}
		if int64(len(m.data)) == 0 {
			s.undoAppend(ref.owner, mb.ID, uids)
			return errNo("", "Empty message")
		}
		en, uv, err := s.store.Append(s.ctx, ref.owner, mb.ID, bytes.NewReader(m.data),
			ref.allowedKeywords(kw), date)
		if err != nil {
			s.undoAppend(ref.owner, mb.ID, uids)
			return err
		}
		uids = append(uids, en.UID)
		validity = uv
		s.c.srv.spell.note(s.account, m.flags)
	}
	s.okCode = "APPENDUID " + itoa(validity) + " " + wire.FormatSet(uids)
	if s.isSelected(ref.owner, mb.ID) {
		s.dirty = true
	}
	return nil
}

// undoAppend removes the messages a failed MULTIAPPEND already stored,
// which keeps the command all-or-nothing (RFC 3502 section 6.3.11).
func (s *session) undoAppend(owner string, id mailstore.MailboxID, uids []uint32) {
	if len(uids) > 0 {
		if _, err := s.store.Expunge(s.ctx, owner, id, uids); err != nil {
			s.c.log.Warn("imap append rollback failed", "account", s.account, "err", err)
		}
	}
}

// keywordsOf converts IMAP flags to stored keywords.
func keywordsOf(flags []string) ([]string, error) {
	var kw []string
	for _, f := range flags {
		if strings.EqualFold(f, `\Recent`) {
			continue
		}
		k, ok := storeKeyword(f)
		if !ok {
			return nil, errBad("", "Invalid flag "+f)
		}
		kw = append(kw, k)
	}
	return kw, nil
}
