package queue

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/store"
)

// Transport sends a message to recipients of one remote domain.
// *client.Deliverer is the SMTP transport; its results follow the
// contract of client.Deliverer.Deliver: one result per recipient (nil
// when delivered, a *client.Error otherwise) or one error for all.
type Transport interface {
	Deliver(ctx context.Context, domain string, m *client.Message) ([]error, error)
}

// LocalDelivery stores mail for domains served here without SMTP;
// MailstoreDelivery files it in mailstore.
type LocalDelivery interface {
	// IsLocalDomain reports whether mail for domain is delivered here.
	IsLocalDomain(ctx context.Context, domain string) (bool, error)
	// DeliverLocal stores r for rcpts, all in local domains, and returns
	// one result per recipient (nil or a *client.Error) or one error for
	// all. r is read once.
	DeliverLocal(ctx context.Context, from string, rcpts []string, r io.Reader) ([]error, error)
}

// SignFunc returns header fields (such as DKIM-Signature, ending in
// CRLF) to put on top of a message from the given reverse-path before
// it is queued, or "" to add none. DKIMSigner builds one.
type SignFunc func(ctx context.Context, from string, msg io.Reader) (string, error)

// DefaultBackoff is the retry schedule after each temporary failure of
// a recipient; the last step repeats.
var DefaultBackoff = []time.Duration{2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}

// Options configures a Queue. KV and Blobs are required; other zero
// values take the defaults given.
type Options struct {
	KV    store.KV
	Blobs store.BlobStore
	// Transport sends to remote domains. Default a client.Deliverer with
	// the system resolver, whose idle sessions Shutdown closes.
	Transport Transport
	// Local, when set, takes recipients of its local domains, such as
	// notifications to local senders.
	Local LocalDelivery
	// Sign, when set, signs each message as it is queued (DKIM).
	Sign SignFunc
	// Hostname names this MTA in notifications. Default "localhost".
	Hostname string
	// Node names this instance in leases; instances sharing a store
	// need distinct names. A restarted instance with the same name takes
	// back its own leases at once. Default a random name.
	Node string
	// Workers is how many messages are delivered at once. Default 16.
	Workers int
	// MaxPerDomain bounds concurrent deliveries to one recipient domain
	// in this instance. Default 10.
	MaxPerDomain int
	// Backoff is the retry schedule. Default DefaultBackoff.
	Backoff []time.Duration
	// Expiry is how long a recipient is retried before it fails with a
	// notification. Default 5 days.
	Expiry time.Duration
	// WarnAfter is when a delay notification is sent for a recipient
	// still not delivered (RFC 3464 "delayed"). Default 4 hours;
	// negative disables.
	WarnAfter time.Duration
	// LeaseTime is how long a worker holds a message it delivers; a
	// lease not released by then is taken over. It must exceed the
	// longest delivery. Default 15 minutes.
	LeaseTime time.Duration
	// PollInterval is how often the store is scanned for work queued by
	// other instances or left by expired leases. Default 5 seconds.
	PollInterval time.Duration
	// Now returns the current time. Default time.Now; tests pass a
	// clock of their own and call Queue.Wake after moving it.
	Now func() time.Time
	// Logger receives one event per delivery attempt; nil discards.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.Node == "" {
		o.Node = "node-" + newID()
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.MaxPerDomain <= 0 {
		o.MaxPerDomain = 10
	}
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Expiry <= 0 {
		o.Expiry = 5 * 24 * time.Hour
	}
	if o.WarnAfter == 0 {
		o.WarnAfter = 4 * time.Hour
	}
	if o.LeaseTime <= 0 {
		o.LeaseTime = 15 * time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// backoff returns the wait after the n-th failed attempt (n >= 1).
func (o *Options) backoff(n int) time.Duration {
	return o.Backoff[min(max(n-1, 0), len(o.Backoff)-1)]
}
