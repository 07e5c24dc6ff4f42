package smtp

import (
	"crypto/tls"
	"log/slog"
	"net/netip"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/listener"
)

// Mode selects the role a Server plays.
type Mode int

const (
	// ModeInbound is an MTA receiving mail from the Internet (RFC 5321):
	// it accepts mail for local domains only and never relays.
	ModeInbound Mode = iota
	// ModeSubmission is a message submission agent (RFC 6409): clients
	// must authenticate, the reverse-path must belong to them, and mail
	// for other domains goes to the Relay.
	ModeSubmission
	// ModeLMTP is a local delivery agent (RFC 2033): LHLO instead of
	// EHLO, and one reply per recipient after the data.
	ModeLMTP
)

// String returns "inbound", "submission" or "lmtp".
func (m Mode) String() string {
	switch m {
	case ModeSubmission:
		return "submission"
	case ModeLMTP:
		return "lmtp"
	}
	return "inbound"
}

// BareLineEndings selects what happens to a CR or LF that is not part of
// a CRLF pair inside DATA (RFC 5321, section 2.3.8). Either way such a
// line ending never ends the data.
type BareLineEndings int

const (
	// RejectBareLineEndings refuses the message with "550 5.6.0".
	RejectBareLineEndings BareLineEndings = iota
	// NormaliseBareLineEndings rewrites each bare CR or LF as CRLF.
	NormaliseBareLineEndings
)

// Rate is an allowance of Limit events per Per; a zero Limit means no
// limit.
type Rate struct {
	Limit int
	Per   time.Duration
}

// Options configures a Server. The zero value is safe: an inbound server
// with the defaults listed by each field, which refuses every recipient
// until a Directory says which domains are local.
type Options struct {
	// Hostname is the server's name in the greeting and Received header.
	// Default "localhost".
	Hostname string
	// Mode is the role of the server. Default ModeInbound.
	Mode Mode

	// TLSConfig enables STARTTLS (RFC 3207) and implicit TLS. Nil
	// disables both.
	TLSConfig *tls.Config
	// ImplicitTLS starts TLS as soon as a client connects (RFC 8314,
	// section 3.3, the port 465 style). Needs TLSConfig.
	ImplicitTLS bool
	// AllowInsecureAuth offers AUTH on connections without TLS. Default
	// false: AUTH only after STARTTLS or on implicit TLS (RFC 4954,
	// section 4).
	AllowInsecureAuth bool

	// Directory authenticates clients, resolves recipients and checks
	// sender ownership. Nil: no AUTH and no local recipient.
	Directory directory.Directory
	// Delivery takes each accepted message. Nil answers "451 4.3.5" to
	// DATA: the server is not configured to store mail.
	Delivery Delivery
	// Relay takes mail for remote recipients in submission mode, and for
	// addresses outside the directory that lists expand to. Nil: such
	// recipients get "451 4.3.5".
	Relay Relay
	// Postmaster is the account that receives mail for "<Postmaster>"
	// and for postmaster at every local domain, local part in any case,
	// when the directory has no such address: RFC 5321, section 4.5.1
	// requires every SMTP server to accept it. Empty: postmaster is
	// resolved as any other address.
	Postmaster string
	// RelayNetworks lists client networks trusted to relay without
	// authentication, as a host's own applications: in submission mode
	// they need no AUTH, and in inbound mode they may send to remote
	// recipients through the Relay. LMTP ignores it. Default none.
	RelayNetworks []netip.Prefix
	// Hooks let the host accept, reject or defer at each stage.
	Hooks Hooks

	// Proxy lists the networks trusted to send a PROXY protocol header.
	Proxy listener.ProxyOptions

	// MaxMessageSize bounds a message in bytes (RFC 1870). Default 64 MiB.
	MaxMessageSize int64
	// MaxRecipients bounds the recipients of one message. Default and
	// RFC 5321 (section 4.5.3.1.8) minimum: 100.
	MaxRecipients int
	// MaxCommandLength bounds a command line, CRLF included. Default and
	// RFC 5321 (section 4.5.3.1.4) minimum: 512. MAIL and RCPT may use 512
	// more for their parameters (RFC 1869, section 4.1.2); AUTH lines may
	// use 12288 (RFC 4954, section 4).
	MaxCommandLength int
	// MaxTextLineLength bounds a line of DATA, CRLF included. Default and
	// RFC 5321 (section 4.5.3.1.6) minimum: 1000. BDAT has no line limit.
	MaxTextLineLength int
	// BareLineEndings chooses between refusing and normalising bare CR
	// and LF in DATA. Default RejectBareLineEndings.
	BareLineEndings BareLineEndings
	// MaxCommands bounds the commands of one connection. Default 10000.
	MaxCommands int
	// MaxErrors is the number of failed commands after which the
	// connection is closed with 421. Default 20.
	MaxErrors int
	// MaxConnections bounds the open connections of the server; 0 means
	// no limit.
	MaxConnections int
	// MaxConnectionsPerIP bounds the open connections of one client
	// address (IPv6 by /64). Default 20; negative means no limit.
	MaxConnectionsPerIP int
	// ConnectionRate limits new connections per client address.
	ConnectionRate Rate
	// MessageRate limits messages per client address.
	MessageRate Rate
	// SenderRate limits messages per authenticated principal, or per
	// reverse-path when the client did not authenticate.
	SenderRate Rate
	// MaxReceived is the number of Received header fields past which a
	// message is taken to be looping (RFC 5321, section 6.3) and refused
	// with "554 5.4.6". Default 50.
	MaxReceived int

	// CommandTimeout bounds the wait for a command. Default and RFC 5321
	// (section 4.5.3.2.7) minimum: 5 minutes.
	CommandTimeout time.Duration
	// DataTimeout bounds the wait for each block of DATA or BDAT. Default
	// 3 minutes (RFC 5321, section 4.5.3.2.5).
	DataTimeout time.Duration
	// WriteTimeout bounds the sending of a reply. Default 2 minutes.
	WriteTimeout time.Duration
	// TLSHandshakeTimeout bounds a TLS handshake. Default 30 seconds.
	TLSHandshakeTimeout time.Duration

	// TempDir holds messages too large for memory. Default os.TempDir().
	TempDir string
	// SpoolMemory is how much of a message is kept in memory before it
	// spills to a file in TempDir. Default 256 KiB.
	SpoolMemory int

	// Resolver names clients by forward-confirmed reverse DNS for
	// Session.ReverseName and the Received field. Nil: no lookup.
	Resolver Resolver
	// ReverseLookupTimeout bounds that lookup. Default 5 seconds.
	ReverseLookupTimeout time.Duration

	// Logger receives connection, authentication and delivery events.
	// Nil discards.
	Logger *slog.Logger
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// Default limits.
const (
	DefaultMaxMessageSize      = 64 << 20
	DefaultMaxRecipients       = 100
	DefaultMaxCommandLength    = 512
	DefaultMaxTextLineLength   = 1000
	DefaultMaxCommands         = 10000
	DefaultMaxErrors           = 20
	DefaultMaxConnectionsPerIP = 20
	DefaultMaxReceived         = 50
	DefaultCommandTimeout      = 5 * time.Minute
	DefaultDataTimeout         = 3 * time.Minute
	DefaultWriteTimeout        = 2 * time.Minute
	DefaultTLSHandshakeTimeout = 30 * time.Second
	DefaultSpoolMemory         = 256 << 10

	// maxAuthLine is the AUTH line limit of RFC 4954, section 4.
	maxAuthLine = 12288
)

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	def(&o.MaxRecipients, DefaultMaxRecipients)
	def(&o.MaxCommandLength, DefaultMaxCommandLength)
	def(&o.MaxTextLineLength, DefaultMaxTextLineLength)
	def(&o.MaxCommands, DefaultMaxCommands)
	def(&o.MaxErrors, DefaultMaxErrors)
	def(&o.MaxConnectionsPerIP, DefaultMaxConnectionsPerIP)
	def(&o.MaxReceived, DefaultMaxReceived)
	def(&o.SpoolMemory, DefaultSpoolMemory)
	defDur(&o.CommandTimeout, DefaultCommandTimeout)
	defDur(&o.DataTimeout, DefaultDataTimeout)
	defDur(&o.WriteTimeout, DefaultWriteTimeout)
	defDur(&o.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	defDur(&o.ReverseLookupTimeout, 5*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
