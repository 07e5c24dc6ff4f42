package msgparse

import "strings"

// fillMessage sets the envelope and the decoded header fields of m from
// its top-level header.
func fillMessage(m *Message, h header) {
	env := &m.Envelope
	env.Date, _ = h.get("date")
	env.Subject, _ = h.get("subject")
	env.InReplyTo, _ = h.get("in-reply-to")
	env.MessageID, _ = h.get("message-id")
	lists := []struct {
		name string
		env  *[]Address
		msg  *[]Address
	}{
		{"from", &env.From, &m.From},
		{"sender", &env.Sender, &m.Sender},
		{"reply-to", &env.ReplyTo, &m.ReplyTo},
		{"to", &env.To, &m.To},
		{"cc", &env.Cc, &m.Cc},
		{"bcc", &env.Bcc, &m.Bcc},
	}
	// Decoding reads the raw bytes (an encoded word may hold 8-bit
	// junk); the envelope then keeps valid UTF-8.
	for _, l := range lists {
		if v, ok := h.get(l.name); ok {
			*l.env = ParseAddressList(v)
			*l.msg = mailboxes(*l.env)
			for i := range *l.env {
				a := &(*l.env)[i]
				a.Name, a.Mailbox, a.Host = raw8bit(a.Name), raw8bit(a.Mailbox), raw8bit(a.Host)
			}
		}
	}
	m.Subject = DecodeHeader(env.Subject)
	env.Date = raw8bit(env.Date)
	env.Subject = raw8bit(env.Subject)
	env.InReplyTo = raw8bit(env.InReplyTo)
	env.MessageID = raw8bit(env.MessageID)
	m.ThreadSubject = BaseSubject(m.Subject)
	if t, ok := ParseDate(env.Date); ok {
		m.Date = t
	}
	if ids := ParseMessageIDs(env.MessageID); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = ParseMessageIDs(env.InReplyTo)
	refs, _ := h.get("references")
	m.References = ParseMessageIDs(refs)
}

// DecodeHeader decodes an unstructured header value for display: RFC 2047
// encoded words in any charset golang.org/x/text knows, raw UTF-8
// (RFC 6532) kept, other 8-bit bytes read as windows-1252, folding white
// space collapsed.
func DecodeHeader(s string) string {
	s = decodeWords(s)
	if strings.ContainsAny(s, "\r\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// ParseMessageIDs reads the msg-ids of a Message-ID, In-Reply-To or
// References value (RFC 5322 section 3.6.4) without their angle brackets.
// Words outside brackets are taken when they hold an "@" and no bracketed
// id is present, as old software wrote them.
func ParseMessageIDs(s string) []string {
	var ids []string
	rest := s
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		id := strings.TrimSpace(rest[i+1 : i+j])
		id = strings.Join(strings.Fields(id), "")
		if id != "" {
			ids = append(ids, raw8bit(id))
		}
		rest = rest[i+j+1:]
	}
	if len(ids) > 0 {
		return ids
	}
	for _, w := range strings.Fields(stripComments(s)) {
		w = strings.Trim(w, "<>,;")
		if strings.Contains(w, "@") {
			ids = append(ids, raw8bit(w))
		}
	}
	return ids
}

// ParseURLs reads a list of URLs in angle brackets, as the List-* fields
// of RFC 2369 write them: JMAP's asURLs form (RFC 8621 section 4.1.2.7).
// Comments and text outside the brackets are ignored.
func ParseURLs(s string) []string {
	var urls []string
	rest := stripComments(s)
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			return urls
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			return urls
		}
		u := strings.Join(strings.Fields(rest[i+1:i+j]), "")
		if u != "" {
			urls = append(urls, u)
		}
		rest = rest[i+j+1:]
	}
}
