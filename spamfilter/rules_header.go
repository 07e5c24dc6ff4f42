package spamfilter

import (
	"strings"
	"unicode"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/msgparse"
)

// headerRules checks the header fields RFC 5322 (section 3.6) requires
// or that senders of bulk mail get wrong, and the HELO name.
func (f *Filter) headerRules(c *content, in Input, add func(string)) {
	if !c.has("date") {
		add(SymMissingDate)
	} else if d, ok := c.date(); ok {
		now := f.opts.Now()
		switch {
		case d.After(now.Add(f.opts.MaxFutureDate)):
			add(SymDateInFuture)
		case d.Before(now.Add(-f.opts.MaxPastDate)):
			add(SymDateInPast)
		}
	}
	if !c.has("message-id") {
		add(SymMissingMessageID)
	}
	if !c.has("from") {
		add(SymMissingFrom)
	}
	if !c.has("to") && !c.has("cc") {
		add(SymMissingTo)
	}
	if !c.has("subject") {
		add(SymMissingSubject)
	}
	if fromNameSpoof(c) {
		add(SymFromNameSpoof)
	}
	if allCaps(c.msg.Subject) {
		add(SymSubjectAllCaps)
	}
	if len(c.msg.To)+len(c.msg.Cc) > f.opts.MaxHeaderRecipients {
		add(SymRcptMany)
	}
	if fromNeqEnvFrom(c, in) {
		add(SymFromNeqEnvFrom)
	}
	if len(in.Recipients) > 0 && !rcptInHeader(c, in.Recipients) {
		add(SymRcptNotInHeader)
	}
	if in.HELO != "" && !strings.HasPrefix(in.HELO, "[") &&
		!strings.Contains(strings.Trim(in.HELO, "."), ".") {
		add(SymHELONotFQDN)
	}
}

// fromNeqEnvFrom reports whether the reverse-path's registered domain is
// not the From address's while DMARC, which would have aligned them
// (RFC 7489, section 3.1), did not pass.
func fromNeqEnvFrom(c *content, in Input) bool {
	_, env, ok := strings.Cut(in.MailFrom, "@")
	if !ok || len(c.msg.From) == 0 {
		return false
	}
	if in.Auth != nil && in.Auth.DMARC.Status == mailauth.DMARCPass {
		return false
	}
	from := registeredDomain(strings.ToLower(c.msg.From[0].Host))
	return from != "" && registeredDomain(strings.ToLower(env)) != from
}

// rcptInHeader reports whether a forward-path appears in To or Cc.
func rcptInHeader(c *content, rcpts []string) bool {
	for _, list := range [][]msgparse.Address{c.msg.To, c.msg.Cc} {
		for _, a := range list {
			for _, r := range rcpts {
				if strings.EqualFold(a.Addr(), r) {
					return true
				}
			}
		}
	}
	return false
}

// fromNameSpoof reports whether a From display name holds an address
// whose registered domain is not the From address's, as in
// "support@bank.example" <x@elsewhere.example>.
func fromNameSpoof(c *content) bool {
	for _, a := range c.msg.From {
		if a.Name == "" || a.Host == "" {
			continue
		}
		own := registeredDomain(strings.ToLower(a.Host))
		for _, word := range strings.FieldsFunc(a.Name, nameSeparator) {
			_, dom, ok := strings.Cut(word, "@")
			if !ok {
				continue
			}
			d := registeredDomain(strings.ToLower(strings.Trim(dom, ".")))
			if d != "" && d != own {
				return true
			}
		}
	}
	return false
}

func nameSeparator(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(`"'<>()[],;:`, r)
}

// allCaps reports whether a subject has ten letters or more and none of
// them in lower case.
func allCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters >= 10
}
