package mailstore

import (
	"strconv"
)

// MailboxID identifies a mailbox within its account. It never changes,
// even when the mailbox is renamed, and is never reused; it is a valid JMAP
// Id (RFC 8620 section 1.2) and an IMAP MAILBOXID (RFC 8474).
type MailboxID string

// EmailID identifies an email within its account. It stays the same when
// the email moves between mailboxes and is never reused; it is a valid
// JMAP Id and an IMAP EMAILID (RFC 8474).
type EmailID string

// ThreadID identifies a thread within its account; a valid JMAP Id and an
// IMAP THREADID (RFC 8474).
type ThreadID string

// Id prefixes keep the three kinds apart when a client mixes them up.
const (
	mailboxPrefix = 'm'
	emailPrefix   = 'e'
	threadPrefix  = 't'
)

func formatID(prefix byte, n uint64) string {
	b := make([]byte, 1, 14)
	b[0] = prefix
	return string(strconv.AppendUint(b, n, 36))
}

func parseID(prefix byte, s string) (uint64, bool) {
	if len(s) < 2 || s[0] != prefix {
		return 0, false
	}
	for i := 1; i < len(s); i++ {
		// Refuse upper case so that every number has one spelling.
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return 0, false
		}
	}
	if s[1] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(s[1:], 36, 64)
	return n, err == nil
}

func mailboxID(n uint32) MailboxID { return MailboxID(formatID(mailboxPrefix, uint64(n))) }
func emailID(n uint64) EmailID     { return EmailID(formatID(emailPrefix, n)) }
func threadID(n uint64) ThreadID   { return ThreadID(formatID(threadPrefix, n)) }

func (id MailboxID) num() (uint32, bool) {
	n, ok := parseID(mailboxPrefix, string(id))
	if !ok || n > 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}

func (id EmailID) num() (uint64, bool)  { return parseID(emailPrefix, string(id)) }
func (id ThreadID) num() (uint64, bool) { return parseID(threadPrefix, string(id)) }
