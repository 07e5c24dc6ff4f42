package mailtest

import (
	"bytes"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/msgparse"
)

// Envelope is the SMTP envelope a message came with (RFC 5321, section
// 2.3.1).
type Envelope struct {
	// From is the MAIL FROM address, "" for the null reverse-path.
	From string
	// To lists the RCPT TO addresses of the transaction; for outbound
	// mail, the remote ones only.
	To []string
}

// Message is a message the server received, with its envelope and
// parsed form.
type Message struct {
	// Envelope is the SMTP envelope.
	Envelope Envelope
	// Header is the top-level header, fields as they appear (RFC 2047
	// words are not decoded; Subject decodes them).
	Header mail.Header
	// Parsed is the MIME structure as package msgparse reads it.
	Parsed *msgparse.Message
	// Auth holds SPF, DKIM, ARC and DMARC results of mail received on
	// the SMTP port without AUTH; nil for submitted mail. Mail that
	// fails DMARC is kept whatever the policy (filed in Junk for
	// p=quarantine and p=reject), so that a test sees the result.
	Auth *mailauth.Results
	// Quarantined reports that the message was filed in the Junk
	// mailbox because the sender's DMARC policy asked for quarantine or
	// reject.
	Quarantined bool
	// Received is when the server took the message.
	Received time.Time

	raw []byte
}

// Attachment is one attachment of a message, decoded.
type Attachment struct {
	// Filename is the decoded file name; "" when none is given.
	Filename string
	// ContentType is the media type, such as "application/pdf".
	ContentType string
	// Data is the body with its transfer encoding undone.
	Data []byte
}

// newMessage parses raw; a message that does not parse keeps an empty
// header and a nil Parsed rather than failing the delivery.
func newMessage(env Envelope, raw []byte, auth *mailauth.Results, at time.Time) *Message {
	m := &Message{Envelope: env, Auth: auth, Received: at, raw: raw, Header: mail.Header{}}
	if mm, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Header = mm.Header
	}
	if p, err := msgparse.Parse(bytes.NewReader(raw)); err == nil {
		m.Parsed = p
	}
	return m
}

// Raw returns the message as stored, from the Return-Path and Received
// fields the server added to the end.
func (m *Message) Raw() []byte { return bytes.Clone(m.raw) }

// Subject returns the Subject field, RFC 2047 words decoded.
func (m *Message) Subject() string {
	if m.Parsed == nil {
		return m.Header.Get("Subject")
	}
	return m.Parsed.Subject
}

// Text returns the decoded plain text bodies (line breaks as sent,
// usually CRLF), joined by a blank line; "" when the message has none.
func (m *Message) Text() string { return m.bodies("plain") }

// HTML returns the decoded HTML bodies, joined by a blank line; "" when
// the message has none.
func (m *Message) HTML() string { return m.bodies("html") }

// bodies joins the text bodies of a subtype, as RFC 8621, section 4.1.4
// picks them: textBody for plain, htmlBody for HTML.
func (m *Message) bodies(subtype string) string {
	if m.Parsed == nil {
		return ""
	}
	parts := m.Parsed.TextBody
	if subtype == "html" {
		parts = m.Parsed.HTMLBody
	}
	var out []string
	for _, p := range parts {
		if p.Type != "text" || p.Subtype != subtype {
			continue
		}
		text, _, err := p.ReadText(bytes.NewReader(m.raw), 0)
		if err == nil {
			out = append(out, text)
		}
	}
	return strings.Join(out, "\n\n")
}

// Attachments returns the attachments, decoded, in order.
func (m *Message) Attachments() []Attachment {
	if m.Parsed == nil {
		return nil
	}
	var out []Attachment
	for _, p := range m.Parsed.Attachments {
		data, err := io.ReadAll(p.BodyReader(bytes.NewReader(m.raw)))
		if err != nil {
			continue
		}
		out = append(out, Attachment{Filename: p.Filename, ContentType: p.MediaType(),
			Data: data})
	}
	return out
}

// DKIM returns the DKIM result of each signature, top first; nil when
// the message was not checked.
func (m *Message) DKIM() []mailauth.DKIMResult {
	if m.Auth == nil {
		return nil
	}
	return m.Auth.DKIM
}
