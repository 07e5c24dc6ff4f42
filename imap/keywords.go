package imap

import (
	"strings"
	"sync"
)

// Keywords are stored lower-cased, since they match without regard to
// case (RFC 9051 section 2.3.2, RFC 8621 section 4.1.1), yet a client
// expects a keyword back as it spelled it. The registered keywords are
// spelled as in the IANA "IMAP and JMAP Keywords" registry (RFC 5788,
// RFC 9051 section 2.3.2); the spelling of any other keyword is
// remembered per account from the STORE and APPEND commands that set it.
// The memory lasts as long as the Server: after a restart a keyword that
// is not registered comes back lower-cased until a client sets it again.

// registeredKeywords maps lower-cased registered keywords, and the
// unregistered ones common mail clients set, to their usual spelling.
var registeredKeywords = map[string]string{
	"$forwarded": "$Forwarded", "$mdnsent": "$MDNSent", "$submitpending": "$SubmitPending",
	"$submitted": "$Submitted", "$junk": "$Junk", "$notjunk": "$NotJunk",
	"$phishing": "$Phishing", "$important": "$Important", "$hasattachment": "$HasAttachment",
	"$hasnoattachment": "$HasNoAttachment", "$autosent": "$AutoSent", "$canned": "$Canned",
	"$notify": "$Notify", "$muted": "$Muted", "$followed": "$Followed",
	"$unsubscribed": "$Unsubscribed", "$memo": "$Memo", "$hasmemo": "$HasMemo",
	"$imported": "$Imported", "$istrusted": "$IsTrusted", "$canunsubscribe": "$CanUnsubscribe",
	"$mailflagbit0": "$MailFlagBit0", "$mailflagbit1": "$MailFlagBit1",
	"$mailflagbit2": "$MailFlagBit2", "junk": "Junk", "nonjunk": "NonJunk", "notjunk": "NotJunk",
}

// maxSpellings bounds the spellings remembered for one account.
const maxSpellings = 1000

// spellings remembers how clients spelled keywords, per account.
type spellings struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

// note records the spelling of the keywords among flags.
func (sp *spellings) note(account string, flags []string) {
	for _, f := range flags {
		if strings.HasPrefix(f, `\`) {
			continue
		}
		low := strings.ToLower(f)
		if low == f || registeredKeywords[low] == f {
			sp.forget(account, low)
			continue
		}
		sp.mu.Lock()
		if sp.m == nil {
			sp.m = map[string]map[string]string{}
		}
		acct := sp.m[account]
		if acct == nil {
			acct = map[string]string{}
			sp.m[account] = acct
		}
		if _, ok := acct[low]; ok || len(acct) < maxSpellings {
			acct[low] = f
		}
		sp.mu.Unlock()
	}
}

func (sp *spellings) forget(account, low string) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	delete(sp.m[account], low)
}

// spell returns the IMAP spelling of a stored keyword.
func (sp *spellings) spell(account, kw string) string {
	if f := imapFlag(kw); f != kw {
		return f
	}
	sp.mu.Lock()
	f, ok := sp.m[account][kw]
	sp.mu.Unlock()
	if ok {
		return f
	}
	if f, ok := registeredKeywords[kw]; ok {
		return f
	}
	return kw
}

// flagName returns the IMAP spelling of a stored keyword for this
// session's account.
func (s *session) flagName(kw string) string {
	return s.c.srv.spell.spell(s.account, kw)
}
