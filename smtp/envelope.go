package smtp

import (
	"crypto/tls"
	"net/netip"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/mailenv"
)

// Session describes a client connection to hooks and to Delivery. The
// server owns it: readers must not change it.
type Session struct {
	// ID names the connection in logs and Received header fields.
	ID string
	// Mode is the server's mode.
	Mode Mode
	// Remote is the client's address (from the PROXY header when a
	// trusted proxy sent one); Local is the address it connected to.
	Remote, Local netip.AddrPort
	// ReverseName is the client's forward-confirmed reverse DNS name,
	// "" when unknown or when no Resolver is configured.
	ReverseName string
	// TLS is the connection's TLS state; nil without TLS.
	TLS *tls.ConnectionState
	// Hello is the domain or address literal given with EHLO, HELO or
	// LHLO; ESMTP reports EHLO or LHLO.
	Hello string
	ESMTP bool
	// Principal is the authenticated client; nil before AUTH.
	Principal *directory.Principal
}

// BodyType is the BODY parameter of MAIL: 7BIT, 8BITMIME (RFC 6152) or
// BINARYMIME (RFC 3030). It is mailenv.BodyType.
type BodyType = mailenv.BodyType

// The body types.
const (
	Body7Bit       = mailenv.Body7Bit
	Body8BitMIME   = mailenv.Body8BitMIME
	BodyBinaryMIME = mailenv.BodyBinaryMIME
)

// Envelope is the SMTP envelope of one transaction (RFC 5321, section
// 2.3.1) with its ESMTP parameters; it is mailenv.Envelope, shared with
// the queue.
type Envelope = mailenv.Envelope

// Recipient is one accepted forward-path and where it delivers; it is
// mailenv.Recipient.
type Recipient = mailenv.Recipient

// Failure is a recipient whose delivery failed after DATA, with its
// reply; it is mailenv.Failure.
type Failure = mailenv.Failure
