package imap

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// Options configures a Server. The zero value of every limit takes the
// default named in its comment.
type Options struct {
	// Store holds the mail. Required.
	Store *mailstore.Store
	// Directory authenticates users. Required.
	Directory directory.Directory
	// Logger receives structured events; nil discards them.
	Logger *slog.Logger

	// TLSConfig enables STARTTLS (RFC 9051 section 6.2.1) and, with
	// ImplicitTLS, TLS from the first byte (RFC 8314).
	TLSConfig *tls.Config
	// ImplicitTLS makes Serve start TLS on every accepted connection.
	ImplicitTLS bool
	// AllowInsecureAuth permits LOGIN and AUTHENTICATE without TLS
	// (RFC 9051 section 6.2.3 asks servers to refuse them by default).
	AllowInsecureAuth bool

	// DisableCompress withholds COMPRESS=DEFLATE (RFC 4978), offered by
	// default.
	DisableCompress bool

	// Hostname appears in the greeting. Default "bulwark".
	Hostname string

	// MaxLineLength bounds one command line, literals excluded. Default
	// 64 KiB; RFC 9051 section 4 suggests accepting at least 8,192 octets.
	MaxLineLength int
	// MaxLiteralSize bounds literals other than an APPEND message.
	// Default 1 MiB.
	MaxLiteralSize int64
	// AppendLimit bounds one message given to APPEND, announced as
	// APPENDLIMIT (RFC 7889). Default 64 MiB.
	AppendLimit int64
	// MaxNesting bounds the nesting of parentheses, NOT and OR in a
	// command (SEARCH criteria). Default 32.
	MaxNesting int
	// MaxSessionsPerAccount bounds the authenticated sessions of one
	// account. Default 64.
	MaxSessionsPerAccount int
	// MaxConnsPerIP bounds the connections from one address. Default 128.
	MaxConnsPerIP int
	// IdleTimeout closes a connection that sends nothing for that long,
	// in IDLE or not. Default 30 minutes, the minimum RFC 9051 section 5.4
	// asks for; shorter values are for tests.
	IdleTimeout time.Duration
	// UnauthTimeout closes a connection that has not logged in within
	// that time. Default 5 minutes.
	UnauthTimeout time.Duration
	// MaxBadCommands closes the connection after that many BAD replies in
	// a row. Default 50.
	MaxBadCommands int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Hostname == "" {
		o.Hostname = "bulwark"
	}
	if o.MaxLineLength <= 0 {
		o.MaxLineLength = 64 << 10
	}
	if o.MaxLiteralSize <= 0 {
		o.MaxLiteralSize = 1 << 20
	}
	if o.AppendLimit <= 0 {
		o.AppendLimit = 64 << 20
	}
	if o.MaxNesting <= 0 {
		o.MaxNesting = 32
	}
	if o.MaxSessionsPerAccount <= 0 {
		o.MaxSessionsPerAccount = 64
	}
	if o.MaxConnsPerIP <= 0 {
		o.MaxConnsPerIP = 128
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.UnauthTimeout <= 0 {
		o.UnauthTimeout = 5 * time.Minute
	}
	if o.MaxBadCommands <= 0 {
		o.MaxBadCommands = 50
	}
	return o
}
