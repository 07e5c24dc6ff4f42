package smtp

import (
	"context"
	"io"
)

// Delivery takes accepted messages. The server replies "250" only after
// Deliver returns with success, so Deliver must return only once the
// message is durably stored or queued.
type Delivery interface {
	// Deliver stores or forwards m to every recipient of m.Envelope. It
	// returns either an error for the whole message, or one result per
	// recipient (nil for success, an *Error for its reply), in the order
	// of m.Envelope.Recipients; a nil slice means all succeeded. LMTP
	// sends one reply per recipient from these results (RFC 2033,
	// section 4.2).
	Deliver(ctx context.Context, m *Message) ([]error, error)
}

// Relay takes mail for remote recipients: the outbound queue. Enqueue
// returns once the message is durably queued. The reader is valid only
// during the call.
type Relay interface {
	Enqueue(ctx context.Context, from string, rcpts []string, r io.Reader) error
}

// EnvelopeRelay is the optional ability of a Relay to take the whole
// envelope, DSN parameters (RFC 3461) and REQUIRETLS (RFC 8689)
// included. StoreDelivery uses it when the Relay has it.
type EnvelopeRelay interface {
	EnqueueEnvelope(ctx context.Context, env *Envelope, rcpts []*Recipient, r io.Reader) error
}

// FailureRelay is the optional ability of a Relay to take over the
// recipients whose delivery failed after DATA while the message was
// stored for others: it retries temporary failures and reports permanent
// ones to the reverse-path in a delivery status notification (RFC 3464)
// as their NOTIFY asks (RFC 3461, section 4.1), never to the null
// reverse-path. It returns once the failures are durably recorded.
//
// An SMTP server whose Relay has it answers "250" to such a message, so
// that the client does not send it again to the recipients who have it
// (RFC 5321, section 6.1: after acceptance, a failure is reported by
// mail). Without it, or when it fails, the server answers for the whole
// message: a temporary failure of any recipient defers it (those who
// have it may get it twice) and permanent failures of some recipients
// are logged only. LMTP always replies per recipient instead.
type FailureRelay interface {
	EnqueueFailures(ctx context.Context, env *Envelope, failed []Failure, r io.Reader) error
}
