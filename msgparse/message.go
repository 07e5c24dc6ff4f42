package msgparse

import "time"

// Message is the parsed form of one RFC 5322 message: its envelope, its MIME
// tree with byte offsets into the raw message, and the fields that search,
// threading and JMAP read. It holds no body bytes except the capped text of
// text parts (Part.Text), which the stored form omits.
type Message struct {
	// Size is the length of the raw message in octets.
	Size int64
	// HeaderSize is the length of the header block, including the blank
	// line that ends it; it is also the offset where the body starts.
	HeaderSize int64

	// Envelope holds the RFC 9051 section 7.5.2 ENVELOPE fields.
	Envelope Envelope
	// Root is the top-level part; for a message that is not multipart it
	// is the single leaf, IMAP section "1".
	Root *Part

	// MessageID is the first msg-id of Message-ID, without angle brackets.
	MessageID string
	// InReplyTo and References list msg-ids without angle brackets.
	InReplyTo  []string
	References []string
	// Subject is the Subject header, unfolded and RFC 2047 decoded.
	Subject string
	// Date is the Date header (RFC 5322 section 3.3); zero when absent or
	// unreadable.
	Date time.Time

	// From to Bcc hold the mailboxes of each address header, group
	// members included, group markers left out; names are decoded.
	From, Sender, ReplyTo, To, Cc, Bcc []Address

	// Preview is up to PreviewLength characters of the first text body
	// (or of the HTML body with tags stripped), whitespace collapsed.
	Preview string
	// TextBody, HTMLBody and Attachments point into the tree as the
	// algorithm of RFC 8621 section 4.1.4 classifies the parts.
	TextBody, HTMLBody, Attachments []*Part
	// ThreadSubject is the RFC 5256 section 2.1 base subject.
	ThreadSubject string

	// Truncated reports that the message ended inside a multipart before
	// its close-delimiter (RFC 2046 section 5.1.1), anywhere in the tree;
	// the end of the message was taken as the close-delimiter.
	Truncated bool
	// Defects lists what was malformed, in the order found; parsing went
	// on after each one.
	Defects []Defect
}

// Envelope holds the fields of an IMAP ENVELOPE (RFC 9051 section 7.5.2).
// Date, Subject, InReplyTo and MessageID are the header values as they
// appear, unfolded and trimmed, not decoded; empty means NIL.
type Envelope struct {
	Date, Subject string
	// The address lists follow RFC 9051 section 7.5.2: groups appear as a
	// GroupStart marker, the members, and a GroupEnd marker. Names keep
	// their RFC 2047 encoded words as in the header (quotes removed), as
	// IMAP sends them. Sender and ReplyTo are empty when the header is
	// absent; the IMAP layer defaults them to From as the RFC says.
	From, Sender, ReplyTo, To, Cc, Bcc []Address
	InReplyTo, MessageID               string
}

// AddressKind tells a mailbox from an RFC 9051 group marker.
type AddressKind uint8

// The kinds of Address.
const (
	// KindMailbox is an ordinary mailbox.
	KindMailbox AddressKind = iota
	// KindGroupStart opens a group; Mailbox holds the group's display
	// name and the other fields are NIL (RFC 9051 section 7.5.2).
	KindGroupStart
	// KindGroupEnd closes a group; every field is NIL.
	KindGroupEnd
)

// Address is one mailbox (RFC 5322 section 3.4) or, in an Envelope, a group
// marker. Name is the display name; Mailbox and Host are the local part and
// domain of the addr-spec (Host empty when the address had none: IMAP
// should then send an empty string, not NIL, lest a client read a group
// marker).
type Address struct {
	Name, Mailbox, Host string
	Kind                AddressKind
	// Route is the obsolete source route of an angle address ("@a,@b"
	// in "<@a,@b:user@host>", RFC 5322 section 4.4), kept for the
	// at-domain-list of an IMAP ENVELOPE address (RFC 9051 section
	// 7.5.2); it plays no part in delivery.
	Route string
}

// Addr returns the addr-spec "mailbox@host", or the mailbox alone when
// there is no host.
func (a Address) Addr() string {
	if a.Host == "" {
		return a.Mailbox
	}
	return a.Mailbox + "@" + a.Host
}

// Part is one MIME entity (RFC 2045) of a message: its Content-* fields and
// where its bytes lie in the raw message.
type Part struct {
	// Type and Subtype are lower-case; they default to text/plain (or
	// message/rfc822 inside multipart/digest) as RFC 2045 section 5.2 and
	// RFC 2046 section 5.1.5 say.
	Type, Subtype string
	// Params holds the Content-Type parameters with lower-case names,
	// RFC 2231 continuations joined and charsets decoded to UTF-8.
	Params map[string]string
	// ID, Description and MD5 are Content-ID, Content-Description and
	// Content-MD5 as they appear (unfolded, trimmed).
	ID, Description, MD5 string
	// Encoding is the Content-Transfer-Encoding, lower-case; empty when
	// absent (meaning 7bit).
	Encoding string
	// Disposition is the Content-Disposition value, lower-case, and
	// DispositionParams its parameters decoded like Params (RFC 2183).
	Disposition       string
	DispositionParams map[string]string
	// Language lists Content-Language tags (RFC 3282); Location is
	// Content-Location (RFC 2557).
	Language []string
	Location string

	// HeaderStart is the offset of the part's MIME header, BodyStart of its
	// body, End of the end of its body (the line break before a boundary
	// delimiter belongs to the delimiter, RFC 2046 section 5.1.1).
	HeaderStart, BodyStart, End int64
	// Size is End-BodyStart, the encoded body size; Lines counts the body's
	// lines, for text/* and message/rfc822 parts (RFC 9051 section 7.5.2).
	Size, Lines int64

	// Children are the body parts of a multipart. A multipart that has
	// none (no boundary parameter, no delimiter line) gets one text/plain
	// part over its preamble, with an empty MIME header, and
	// DefectEmptyMultipart is noted.
	Children []*Part
	// Message is the encapsulated message of a message/rfc822 (or
	// message/global) part, never nil for those types, nil for others.
	// When the part has a transfer encoding other than 7bit, 8bit or
	// binary, its envelope and header fields are read from the decoded
	// body, its Root is one text/plain part (the RFC 2045 default for a
	// body without a header) spanning the encoded body, and
	// DefectEncodedMessage is noted.
	Message *Message

	// Charset is the charset parameter, lower-case; for text/* without one
	// it is "us-ascii" (RFC 2046 section 4.1.2).
	Charset string
	// Filename is the decoded file name: the disposition's filename, else
	// the Content-Type name parameter (RFC 2183, RFC 8621 section 4.1.4).
	Filename string

	// Text is the decoded UTF-8 text of a text/* part, at most
	// Options.MaxTextBytes of decoded body; the stored form omits it.
	Text string
	// TextTruncated reports that Text stopped at the cap.
	TextTruncated bool
}

// MediaType returns "type/subtype".
func (p *Part) MediaType() string { return p.Type + "/" + p.Subtype }

// IsMultipart reports whether the part is a multipart/*.
func (p *Part) IsMultipart() bool { return p.Type == "multipart" }

// Defect names something malformed that parsing met and went past.
type Defect string

// The defects Parse records.
const (
	DefectMissingCloseDelimiter Defect = "missing close-delimiter"
	DefectMissingBoundary       Defect = "multipart without boundary"
	DefectEmptyMultipart        Defect = "multipart without body parts"
	DefectNoHeaderSeparator     Defect = "header not ended by a blank line"
	DefectBadHeaderLine         Defect = "malformed header line"
	DefectHeaderTooLong         Defect = "header field too long"
	DefectTooDeep               Defect = "nesting too deep"
	DefectTooManyParts          Defect = "too many parts"
	DefectEncodedMessage        Defect = "message/rfc822 with a transfer encoding"
	DefectUnknownCharset        Defect = "unknown charset"
)
