package mailtest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// Put stores a message straight into a mailbox of account, as a fixture
// for applications that read mail over IMAP. mailbox is a full name such
// as "INBOX" or "Sent" ("" means the inbox); keywords are in JMAP or IMAP
// form ("$seen" or "\\Seen"). Put messages are not returned by Messages
// or WaitMessage, which watch SMTP and queue deliveries.
func (s *Server) Put(ctx context.Context, account, mailbox string, raw io.Reader,
	keywords ...string) error {
	account = accountName(account)
	rcpt := mailstore.Recipient{Account: account}
	if mailbox != "" {
		mb, err := s.store.MailboxByName(ctx, account, mailbox)
		if err != nil {
			return fmt.Errorf("mailtest: put into %s of %s: %w", mailbox, account, err)
		}
		rcpt.Mailbox = mb.ID
	}
	for _, k := range keywords {
		rcpt.Keywords = append(rcpt.Keywords, jmapKeyword(k))
	}
	out, err := s.store.Deliver(ctx, raw, time.Time{}, []mailstore.Recipient{rcpt})
	if err == nil && len(out) == 1 {
		err = out[0].Err
	}
	if err != nil {
		return fmt.Errorf("mailtest: put into %s: %w", account, err)
	}
	return nil
}

// jmapKeyword turns an IMAP system flag into its JMAP keyword (RFC 8621,
// section 4.1.1): "\Seen" becomes "$seen".
func jmapKeyword(k string) string {
	if name, ok := strings.CutPrefix(k, `\`); ok {
		return "$" + strings.ToLower(name)
	}
	return k
}
