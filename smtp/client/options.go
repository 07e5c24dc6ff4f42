package client

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"time"
)

// Resolver is the DNS access of the client; mailauth.Resolver and
// *net.Resolver satisfy it. Missing names are *net.DNSError with
// IsNotFound set.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	// LookupNetIP looks up A ("ip4") or AAAA ("ip6") records.
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Target is one place to connect to: the host name (an MX or relay
// host, used for TLS verification and logs) and its address.
type Target struct {
	Host string
	Addr netip.AddrPort
}

// Relay sends mail through a fixed host (a smarthost or an LMTP server)
// instead of the domain's MX hosts.
type Relay struct {
	// Host is "host:port"; the host is resolved with the Resolver unless
	// it is an IP address.
	Host string
	// ImplicitTLS connects with TLS at once (RFC 8314, section 3.3);
	// otherwise STARTTLS is used when offered.
	ImplicitTLS bool
	// RequireTLS refuses to send without verified TLS.
	RequireTLS bool
	// Username and Password authenticate with AUTH PLAIN or LOGIN
	// (RFC 4954) when Username is set; only over TLS.
	Username, Password string
	// LMTP speaks LMTP (RFC 2033) instead of SMTP.
	LMTP bool
}

// Options configures a Deliverer. The zero value works with the system
// resolver and port 25.
type Options struct {
	// Hostname is the name given with EHLO. Default "localhost".
	Hostname string
	// Resolver looks up MX and address records. Default net.DefaultResolver.
	Resolver Resolver
	// Dial opens a connection to a target. Default a net.Dialer to
	// Target.Addr.
	Dial func(ctx context.Context, t Target) (net.Conn, error)
	// Port is the SMTP port of MX hosts. Default 25.
	Port int
	// TLSConfig is the base TLS configuration (root CAs, client
	// certificate); ServerName is set per host. Default system roots.
	TLSConfig *tls.Config
	// Relays route chosen recipient domains (lower case) through a relay;
	// DefaultRelay, when set, routes all other domains.
	Relays       map[string]*Relay
	DefaultRelay *Relay
	// MTASTS, when set, applies MTA-STS policies (RFC 8461).
	MTASTS *MTASTS
	// DANE, when set, looks up TLSA records of MX hosts and applies DANE
	// (RFC 7672) where they are DNSSEC-validated; it takes precedence
	// over MTA-STS for such hosts (RFC 8461, section 2).
	DANE DANEResolver
	// Timeout bounds each command and reply. Default 5 minutes (RFC 5321,
	// section 4.5.3.2 asks 5 minutes for most).
	Timeout time.Duration
	// ConnectTimeout bounds each connection attempt. Default 30 s.
	ConnectTimeout time.Duration
	// MaxPerHost bounds concurrent connections to one remote host.
	// Default 10.
	MaxPerHost int
	// IdleTimeout is how long a session is kept open after a
	// transaction for the next message to the same host; negative turns
	// reuse off. Default 5 seconds.
	IdleTimeout time.Duration
	// MaxHosts bounds the MX hosts tried for one delivery. Default 5.
	MaxHosts int
	// Logger receives one event per connection and delivery; nil
	// discards them.
	Logger *slog.Logger
}

// Recipient is one forward-path with its DSN parameters (RFC 3461).
type Recipient struct {
	Address string
	Notify  []string
	ORcpt   string
}

// Message is one message to send to recipients of one domain.
type Message struct {
	// From is the reverse-path; "" sends "MAIL FROM:<>".
	From       string
	Recipients []Recipient
	// Size is the exact size of the content Open returns.
	Size int64
	// Open returns the content; the client closes it. It may be called
	// once per host tried.
	Open func() (io.ReadCloser, error)
	// EightBit marks content with 8-bit bytes (BODY=8BITMIME, RFC 6152).
	EightBit bool
	// SMTPUTF8 asks for RFC 6531 handling; it is also implied by a
	// non-ASCII address.
	SMTPUTF8 bool
	// RequireTLS is REQUIRETLS (RFC 8689): verified TLS on every hop.
	RequireTLS bool
	// Ret and EnvID are the DSN RET and ENVID parameters.
	Ret, EnvID string
}

// needsUTF8 reports whether the envelope needs SMTPUTF8.
func (m *Message) needsUTF8() bool {
	if !isASCII(m.From) {
		return true
	}
	for _, r := range m.Recipients {
		if !isASCII(r.Address) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (o *Options) defaults() {
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Port == 0 {
		o.Port = 25
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 30 * time.Second
	}
	if o.MaxPerHost <= 0 {
		o.MaxPerHost = 10
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 5 * time.Second
	}
	if o.MaxHosts <= 0 {
		o.MaxHosts = 5
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Dial == nil {
		o.Dial = func(ctx context.Context, t Target) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", t.Addr.String())
		}
	}
}
