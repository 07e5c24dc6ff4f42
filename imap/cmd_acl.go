package imap

// ownerRights are the rights an account holds on its own mailboxes (RFC
// 4314 section 2.1). Mailboxes are not shared, so nobody else has any.
const ownerRights = "lrswipkxtecda"

type aclArgs struct {
	mailbox    string
	identifier string
	rights     string
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
		if a.identifier, err = p.d.AString(); err != nil {
			return nil, err
		}
		if p.d.Accept(' ') {
			a.rights, err = p.d.AString()
		}
	}
	return a, err
}

// cmdACL answers GETACL, MYRIGHTS and LISTRIGHTS (RFC 4314 section 3)
// for the owner's mailboxes, and refuses SETACL and DELETEACL: the store
// has no shared mailboxes.
func (s *session) cmdACL(cmd *command) error {
	a := cmd.args.(aclArgs)
	if _, err := s.store.MailboxByName(s.ctx, s.account, a.mailbox); err != nil {
		return s.mailboxError(err)
	}
	switch cmd.name {
	case "GETACL", "MYRIGHTS", "LISTRIGHTS":
	default:
		return errNo("CANNOT", "Mailboxes cannot be shared")
	}
	if cmd.name == "LISTRIGHTS" && a.identifier == "" {
		return errBad("", "LISTRIGHTS needs an identifier")
	}
	e := s.untagged()
	switch cmd.name {
	case "GETACL":
		e.Raw("ACL ").Mailbox(a.mailbox).SP().AString(s.account).SP().Raw(ownerRights)
	case "MYRIGHTS":
		e.Raw("MYRIGHTS ").Mailbox(a.mailbox).SP().Raw(ownerRights)
	case "LISTRIGHTS":
		e.Raw("LISTRIGHTS ").Mailbox(a.mailbox).SP().AString(a.identifier)
		if a.identifier == s.account {
			e.SP().Raw(ownerRights)
		} else {
			e.Raw(` ""`)
		}
	}
	e.CRLF()
	return nil
}
