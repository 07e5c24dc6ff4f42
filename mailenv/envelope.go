package mailenv

import "github.com/bulwarkmail/bulwark/mailauth"

// BodyType is the BODY parameter of MAIL: 7BIT, 8BITMIME (RFC 6152) or
// BINARYMIME (RFC 3030).
type BodyType string

// The body types.
const (
	Body7Bit       BodyType = "7BIT"
	Body8BitMIME   BodyType = "8BITMIME"
	BodyBinaryMIME BodyType = "BINARYMIME"
)

// Envelope is the SMTP envelope of one transaction (RFC 5321, section
// 2.3.1) with the ESMTP parameters that later stages need: DSN (RFC
// 3461) for the queue, SMTPUTF8 and REQUIRETLS for relaying.
type Envelope struct {
	// ReversePath is the MAIL FROM address; "" for the null
	// reverse-path "<>" of notifications (RFC 5321, section 4.5.5).
	ReversePath string
	// Body is the declared body type; Body7Bit when none was given.
	Body BodyType
	// SMTPUTF8 is set when the client asked for RFC 6531 handling.
	SMTPUTF8 bool
	// RequireTLS is the REQUIRETLS parameter (RFC 8689, section 4.1).
	RequireTLS bool
	// Size is the SIZE the client declared (RFC 1870); 0 if none.
	Size int64
	// Ret is the DSN RET parameter, "FULL" or "HDRS" (RFC 3461, section
	// 4.3); EnvID its ENVID, xtext-decoded.
	Ret   string
	EnvID string
	// AuthSender is the MAIL AUTH parameter (RFC 4954, section 5), kept
	// only from authenticated clients; "" otherwise.
	AuthSender string
	// Recipients are the accepted forward-paths, in order.
	Recipients []*Recipient
	// Auth holds the sender authentication results when they were
	// checked: SPF from MAIL FROM, then DKIM, ARC and DMARC after the
	// message. Nil otherwise. Later stages (Sieve, spam filter) read it.
	Auth *mailauth.Results
	// Quarantine is set when the sender's DMARC policy asks for
	// quarantine and the host's policy follows it: the message is filed
	// in each recipient's Junk mailbox.
	Quarantine bool
}

// Recipient is one accepted forward-path and where it delivers.
type Recipient struct {
	// Address is the forward-path as given, with the domain in lower
	// case.
	Address string
	// Notify is the DSN NOTIFY list (RFC 3461, section 4.1): "NEVER" or
	// some of "SUCCESS", "FAILURE", "DELAY"; nil when not given.
	Notify []string
	// ORcpt is the DSN ORCPT parameter, "addr-type;address" with the
	// address xtext-decoded (RFC 3461, section 4.2).
	ORcpt string
	// Local reports whether the domain is served here. Accounts are the
	// local accounts it delivers to, Tag the subaddress (RFC 5233) and
	// External the outside addresses a list expands to.
	Local    bool
	Accounts []string
	Tag      string
	External []string
}
