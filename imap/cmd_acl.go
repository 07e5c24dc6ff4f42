package imap

import (
	"errors"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// aclArgs are the arguments of the ACL commands (RFC 4314 section 3): a
// mailbox, then an identifier and rights as the command takes them.
type aclArgs struct {
	mailbox    string
	identifier string
	rights     string
	// n counts the arguments after the mailbox.
	n int
}

func parseACL(p *parser) (any, error) {
	var a aclArgs
	var err error
	if err = p.d.SP(); err != nil {
		return nil, err
	}
	if a.mailbox, err = p.mailbox(); err != nil {
		return nil, err
	}
	if p.d.Accept(' ') {
		a.n++
		if a.identifier, err = p.d.AString(); err != nil {
			return nil, err
		}
		if p.d.Accept(' ') {
			a.n++
			a.rights, err = p.d.AString()
		}
	}
	return a, err
}

// aclArity is the number of arguments after the mailbox of each ACL
// command.
var aclArity = map[string]int{
	"SETACL": 2, "DELETEACL": 1, "GETACL": 0, "LISTRIGHTS": 1, "MYRIGHTS": 0,
}

// cmdACL runs SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS (RFC
// 4314 section 3) on the user's mailboxes and on those other accounts
// share. All but MYRIGHTS need the "a" right (section 4).
func (s *session) cmdACL(cmd *command) error {
	a := cmd.args.(aclArgs)
	if a.n != aclArity[cmd.name] {
		return errBad("", cmd.name+" takes the wrong number of arguments")
	}
	ref, err := s.lookupMailbox(a.mailbox)
	if err != nil {
		return err
	}
	if cmd.name == "MYRIGHTS" {
		if ref.rights == 0 {
			return errNo("NONEXISTENT", "No such mailbox")
		}
		s.untagged().Raw("MYRIGHTS ").Mailbox(a.mailbox).SP().AString(ref.rights.String()).CRLF()
		return nil
	}
	if err := ref.need(mailstore.RightAdmin); err != nil {
		return err
	}
	switch cmd.name {
	case "SETACL":
		return s.setACL(ref, a)
	case "DELETEACL":
		return s.deleteACL(ref, a)
	case "GETACL":
		return s.getACL(ref, a)
	}
	return s.listRights(ref, a)
}

// setACL changes the rights of an identifier (RFC 4314 section 3.1): a
// leading "+" adds them, "-" removes them, else they replace the old
// ones.
func (s *session) setACL(ref mailboxRef, a aclArgs) error {
	op, letters := mailstore.FlagsReplace, a.rights
	if letters != "" && (letters[0] == '+' || letters[0] == '-') {
		op = mailstore.FlagsAdd
		if letters[0] == '-' {
			op = mailstore.FlagsRemove
		}
		letters = letters[1:]
	}
	r, err := mailstore.ParseRights(letters)
	if err != nil {
		return errBad("", "Unknown right in "+a.rights)
	}
	id, err := s.aclIdentifier(ref, a.identifier)
	if err != nil {
		return err
	}
	_, err = s.store.SetRights(s.ctx, ref.owner, ref.mb.ID, id, op, r)
	return aclError(err)
}

// deleteACL removes an identifier from the ACL (RFC 4314 section 3.2).
func (s *session) deleteACL(ref mailboxRef, a aclArgs) error {
	id, err := s.aclIdentifier(ref, a.identifier)
	if err != nil {
		return err
	}
	return aclError(s.store.DeleteRights(s.ctx, ref.owner, ref.mb.ID, id))
}

// aclIdentifier checks the identifier of SETACL or DELETEACL and returns
// the account name it stands for: "anyone", or a principal the directory
// knows. Negative rights ("-name", RFC 4314 section 2) and the owner's
// own entry cannot be changed.
func (s *session) aclIdentifier(ref mailboxRef, id string) (string, error) {
	switch {
	case id == "":
		return "", errBad("", "Empty identifier")
	case id[0] == '-':
		return "", errNo("CANNOT", "Negative rights are not supported")
	case id == mailstore.Anyone:
		return id, nil
	case len(id) > mailstore.MaxIdentifier:
		return "", errNo("CANNOT", "Identifier too long")
	}
	pr, err := s.c.srv.opts.Directory.Lookup(s.ctx, id)
	if errors.Is(err, directory.ErrNotFound) {
		return "", errNo("CANNOT", "No such identifier")
	}
	if err != nil {
		return "", err
	}
	if pr.Name == ref.owner {
		return "", errNo("CANNOT", "The owner's rights cannot be changed")
	}
	return pr.Name, nil
}

// aclError maps the mailstore's refusals of an ACL change.
func aclError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mailstore.ErrInvalidIdentifier):
		return errNo("CANNOT", "Invalid identifier")
	case errors.Is(err, mailstore.ErrForbidden):
		return errNo("LIMIT", "Too many entries in the access control list")
	}
	return err
}

// getACL writes "* ACL mailbox identifier rights ..." (RFC 4314 section
// 3.6).
func (s *session) getACL(ref mailboxRef, a aclArgs) error {
	acl, err := s.store.ListRights(s.ctx, ref.owner, ref.mb.ID)
	if err != nil {
		return err
	}
	e := s.untagged().Raw("ACL ").Mailbox(a.mailbox)
	for _, en := range acl {
		e.SP().AString(en.Identifier).SP().AString(en.Rights.String())
	}
	e.CRLF()
	return nil
}

// listRights writes "* LISTRIGHTS mailbox identifier required optional..."
// (RFC 4314 section 3.7): the owner always holds every right; anyone
// else holds none for certain and may be granted each one by one.
func (s *session) listRights(ref mailboxRef, a aclArgs) error {
	e := s.untagged().Raw("LISTRIGHTS ").Mailbox(a.mailbox).SP().AString(a.identifier)
	if a.identifier == ref.owner {
		e.SP().AString(mailstore.AllRights.String()).CRLF()
		return nil
	}
	e.Raw(` ""`)
	mailstore.AllRights.Each(func(r mailstore.Rights) {
		e.SP().Raw(r.Letters())
	})
	e.CRLF()
	return nil
}
