package smtp

import (
	"context"

	"github.com/bulwarkmail/bulwark/directory"
)

// Hooks are the stages of a session where the host takes part. Each
// hook runs after the server's own checks for that stage passed. A hook
// returns nil to go on, an *Error to reply with its code (a 4xx code
// defers, a 5xx code rejects), or another error for "451 4.3.0". A nil
// hook accepts. Hooks run on the connection's goroutine; ctx ends with
// the connection.
type Hooks struct {
	// Connect runs before the greeting. A rejection is sent in place of
	// the greeting and the connection closes (RFC 5321, section 3.1).
	Connect func(ctx context.Context, s *Session) error
	// Hello runs on EHLO, HELO and LHLO with the name given.
	Hello func(ctx context.Context, s *Session, name string) error
	// Auth runs after a client proved its identity, before "235".
	Auth func(ctx context.Context, s *Session, p *directory.Principal) error
	// Mail runs once the reverse-path and its parameters are parsed.
	Mail func(ctx context.Context, s *Session, env *Envelope) error
	// Rcpt runs once a recipient is resolved and allowed; rcpt is not
	// yet in env.Recipients.
	Rcpt func(ctx context.Context, s *Session, env *Envelope, rcpt *Recipient) error
	// Data runs on DATA, or on the first BDAT, before the message.
	Data func(ctx context.Context, s *Session, env *Envelope) error
	// Message runs once the whole message is received and its Received
	// field added, before Delivery. It may read the message and add
	// header fields (Message.AddHeader), for instance
	// Authentication-Results.
	Message func(ctx context.Context, m *Message) error
}
