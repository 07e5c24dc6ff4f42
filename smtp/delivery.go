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
