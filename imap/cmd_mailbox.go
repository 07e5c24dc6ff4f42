package imap

import (
	"errors"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// attrRole maps an RFC 6154 attribute to a mailstore role.
func attrRole(attr string) (string, bool) {
	for _, r := range []string{mailstore.RoleSent, mailstore.RoleDrafts,
		mailstore.RoleJunk, mailstore.RoleTrash, mailstore.RoleArchive} {
		if strings.EqualFold(roleAttr(r), attr) {
			return r, true
		}
	}
	return "", false
}

// roleAttr maps a mailstore role to its RFC 6154 attribute.
func roleAttr(role string) string {
	switch role {
	case mailstore.RoleSent:
		return `\Sent`
	case mailstore.RoleDrafts:
		return `\Drafts`
	case mailstore.RoleJunk:
		return `\Junk`
	case mailstore.RoleTrash:
		return `\Trash`
	case mailstore.RoleArchive:
		return `\Archive`
	}
	return ""
}

type createArgs struct {
	mailbox string
	use     []string
}

// parseCreate reads CREATE with the USE parameter (RFC 6154 section 3).
func parseCreate(p *parser) (any, error) {
	var a createArgs
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
		if !strings.EqualFold(name, "USE") {
			return &wire.SyntaxError{Msg: "unknown CREATE parameter " + name}
		}
		if err := p.d.SP(); err != nil {
			return err
		}
		return p.d.List(1, func() error {
			f, err := p.flag()
			a.use = append(a.use, f)
			return err
		})
	})
	return a, err
}

// flag reads a flag: an atom, possibly with a leading backslash.
func (p *parser) flag() (string, error) {
	if p.d.Accept('\\') {
		if p.d.Accept('*') {
			return `\*`, nil
		}
		a, err := p.d.Atom()
		return `\` + a, err
	}
	return p.d.Atom()
}

func (s *session) cmdCreate(cmd *command) error {
	a := cmd.args.(createArgs)
	name := strings.TrimSuffix(a.mailbox, "/")
	if name == mailstore.InboxName {
		return errNo("ALREADYEXISTS", "INBOX always exists")
	}
	if inOtherUsers(name) {
		return errOtherUsers()
	}
	role := ""
	for _, u := range a.use {
		r, ok := attrRole(u)
		if !ok || role != "" {
			return errNo("USEATTR", "Unsupported special-use attribute")
		}
		role = r
	}
	if _, err := s.store.CreateMailbox(s.ctx, s.account, name, role); err != nil {
		if errors.Is(err, mailstore.ErrForbidden) && role != "" {
			return errNo("USEATTR", "Special-use attribute already in use")
		}
		return err
	}
	return nil
}

func (s *session) cmdDelete(cmd *command) error {
	name := cmd.args.(string)
	if name == mailstore.InboxName {
		return errNo("CANNOT", "INBOX cannot be deleted")
	}
	if inOtherUsers(name) {
		return s.deleteShared(name)
	}
	mb, err := s.store.MailboxByName(s.ctx, s.account, name)
	if err != nil {
		return s.mailboxError(err)
	}
	if s.isSelected(s.account, mb.ID) {
		s.sel = nil
		s.st = stateAuth
	}
	if err := s.store.DeleteMailbox(s.ctx, s.account, mb.ID); err != nil {
		if errors.Is(err, mailstore.ErrHasChildren) {
			return errNo("INUSE", "Mailbox has child mailboxes")
		}
		return err
	}
	return nil
}

type renameArgs struct{ from, to string }

func parseRename(p *parser) (any, error) {
	var a renameArgs
	var err error
	if err = p.d.SP(); err == nil {
		if a.from, err = p.mailbox(); err == nil {
			if err = p.d.SP(); err == nil {
				a.to, err = p.mailbox()
			}
		}
	}
	return a, err
}

func (s *session) cmdRename(cmd *command) error {
	a := cmd.args.(renameArgs)
	if inOtherUsers(a.from) || inOtherUsers(a.to) {
		return errOtherUsers()
	}
	mb, err := s.store.MailboxByName(s.ctx, s.account, a.from)
	if err != nil {
		return s.mailboxError(err)
	}
	to := strings.TrimSuffix(a.to, "/")
	if to == mailstore.InboxName {
		return errNo("ALREADYEXISTS", "INBOX already exists")
	}
	return s.store.RenameMailbox(s.ctx, s.account, mb.ID, to)
}

func (s *session) cmdSubscribe(cmd *command) error {
	if name := cmd.args.(string); inOtherUsers(name) {
		return s.subscribeShared(name, cmd.name == "SUBSCRIBE")
	}
	mb, err := s.store.MailboxByName(s.ctx, s.account, cmd.args.(string))
	if err != nil {
		return s.mailboxError(err)
	}
	return s.store.SetSubscribed(s.ctx, s.account, mb.ID, cmd.name == "SUBSCRIBE")
}
