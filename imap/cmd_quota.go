package imap

// cmdGetQuotaRoot answers GETQUOTAROOT (RFC 9208 section 4.3): every
// mailbox of an account shares the account's quota root "".
func (s *session) cmdGetQuotaRoot(cmd *command) error {
	name := cmd.args.(string)
	if _, err := s.store.MailboxByName(s.ctx, s.account, name); err != nil {
		return s.mailboxError(err)
	}
	s.untagged().Raw("QUOTAROOT ").Mailbox(name).Raw(` ""`).CRLF()
	return s.writeQuota()
}

// cmdGetQuota answers GETQUOTA (RFC 9208 section 4.2).
func (s *session) cmdGetQuota(cmd *command) error {
	if cmd.args.(string) != "" {
		return errNo("NONEXISTENT", "No such quota root")
	}
	return s.writeQuota()
}

func (s *session) writeQuota() error {
	q, err := s.store.Quota(s.ctx, s.account)
	if err != nil {
		return err
	}
	e := s.untagged().Raw(`QUOTA "" (`)
	sep := ""
	if q.MaxBytes > 0 {
		e.Raw("STORAGE ").Number64(uint64(q.Bytes+1023) / 1024).SP().
			Number64(uint64(q.MaxBytes / 1024))
		sep = " "
	}
	if q.MaxMessages > 0 {
		e.Raw(sep).Raw("MESSAGE ").Number64(uint64(q.Messages)).SP().
			Number64(uint64(q.MaxMessages))
	}
	e.Raw(")").CRLF()
	return nil
}
