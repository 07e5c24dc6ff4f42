package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// StoreDelivery is the default Delivery: local recipients get the message
// in their inbox through mailstore (one stored blob for all of them) and
// remote recipients go to the Relay in one Enqueue call. An account the
// directory knows but the mail store does not yet is created on first
// delivery.
type StoreDelivery struct {
	// Store holds the mailboxes. Required.
	Store *mailstore.Store
	// Relay takes remote recipients and the outside members of lists.
	// Nil uses the server's Options.Relay; with neither, they are
	// refused with "451 4.3.5".
	Relay Relay
	// Route, when set, decides where each local account files the
	// message; the Sieve stage plugs in here. It is given the recipients
	// that resolved to the account (with their subaddress tags) and
	// returns the destinations: a mailbox and keywords each, several for
	// copies, none to discard. Their Account field is set by the caller.
	// An *Error refuses the message for that account. Nil files it in
	// the inbox.
	Route func(ctx context.Context, m *Message, account string,
		rcpts []*Recipient) ([]mailstore.Recipient, error)
	// Logger receives delivery failures. Nil discards.
	Logger *slog.Logger
}

var _ Delivery = (*StoreDelivery)(nil)

// Deliver implements Delivery. The local copy carries a Return-Path
// field, as the final delivery step adds it (RFC 5321, section 4.4).
func (d *StoreDelivery) Deliver(ctx context.Context, m *Message) ([]error, error) {
	rcpts := m.Envelope.Recipients
	results := make([]error, len(rcpts))
	if err := d.deliverLocal(ctx, m, results); err != nil {
		return nil, err
	}
	d.relay(ctx, m, results)
	return results, nil
}

// deliverLocal stores the message once for every local account.
func (d *StoreDelivery) deliverLocal(ctx context.Context, m *Message, results []error) error {
	var accounts []string
	seen := make(map[string]bool)
	for _, r := range m.Envelope.Recipients {
		for _, a := range r.Accounts {
			if !seen[a] {
				seen[a] = true
				accounts = append(accounts, a)
			}
		}
	}
	if len(accounts) == 0 {
		return nil
	}
	failed, err := d.store(ctx, m, accounts)
	if err != nil {
		return err
	}
	for i, r := range m.Envelope.Recipients {
		results[i] = recipientError(r.Accounts, failed)
	}
	return nil
}

// store delivers to accounts and returns the failure of each account
// that did not get the message. An account succeeds when any of its
// destinations does; missing accounts are created once.
func (d *StoreDelivery) store(ctx context.Context, m *Message,
	accounts []string) (map[string]error, error) {
	dests, failed := d.route(ctx, m, accounts)
	delivered := make(map[string]bool)
	for attempt := 0; attempt < 2 && len(dests) > 0; attempt++ {
		out, err := d.Store.Deliver(ctx, withReturnPath(m), m.Received, dests)
		if err != nil {
			return nil, fmt.Errorf("deliver message: %w", err)
		}
		var retry []mailstore.Recipient
		for i, r := range out {
			switch {
			case r.Err == nil:
				delivered[r.Account] = true
			case errors.Is(r.Err, mailstore.ErrNotFound) && attempt == 0 &&
				d.Store.CreateAccount(ctx, r.Account) == nil:
				retry = append(retry, dests[i])
			default:
				failed[r.Account] = r.Err
			}
		}
		dests = retry
	}
	for a, err := range failed {
		if delivered[a] {
			delete(failed, a)
			continue
		}
		d.logger().Warn("smtp local delivery failed", "msg", m.ID, "account", a, "err", err)
	}
	return failed, nil
}

// route lists the destinations of each account, through Route when set,
// and the accounts Route refused.
func (d *StoreDelivery) route(ctx context.Context, m *Message,
	accounts []string) ([]mailstore.Recipient, map[string]error) {
	failed := make(map[string]error)
	var dests []mailstore.Recipient
	for _, a := range accounts {
		if d.Route == nil {
			dests = append(dests, d.defaultRoute(ctx, m, a))
			continue
		}
		var rcpts []*Recipient
		for _, r := range m.Envelope.Recipients {
			if slices.Contains(r.Accounts, a) {
				rcpts = append(rcpts, r)
			}
		}
		list, err := d.Route(ctx, m, a, rcpts)
		if err != nil {
			failed[a] = err
			continue
		}
		for _, r := range list {
			r.Account = a
			dests = append(dests, r)
		}
	}
	return dests, failed
}

// recipientError is the result of a recipient whose accounts failed as
// in failed: it succeeded if any of its accounts got the message.
func recipientError(accounts []string, failed map[string]error) error {
	var first error
	for _, a := range accounts {
		err, bad := failed[a]
		if !bad {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		return nil
	}
	var e *Error
	if errors.As(first, &e) {
		return e
	}
	if errors.Is(first, mailstore.ErrOverQuota) {
		// RFC 3463, section 3.3: mailbox full, temporary so that the
		// sender retries once the user makes room.
		return &Error{452, EnhancedCode{4, 2, 2}, "Mailbox full"}
	}
	return fmt.Errorf("store message: %w", first)
}

// relay hands remote recipients and the outside members of lists to the
// Relay in one call.
func (d *StoreDelivery) relay(ctx context.Context, m *Message, results []error) {
	var addrs []string
	var idx []int
	var rcpts []*Recipient
	for i, r := range m.Envelope.Recipients {
		ext := r.External
		if !r.Local {
			ext = []string{r.Address}
		}
		if len(ext) == 0 {
			continue
		}
		addrs = append(addrs, ext...)
		idx = append(idx, i)
		rcpts = append(rcpts, &Recipient{Address: r.Address, Notify: r.Notify,
			ORcpt: r.ORcpt, External: ext})
	}
	if len(addrs) == 0 {
		return
	}
	err := d.enqueue(ctx, m, addrs, rcpts)
	if err != nil {
		d.logger().Warn("smtp relay failed", "msg", m.ID, "err", err)
	}
	for _, i := range idx {
		if len(m.Envelope.Recipients[i].Accounts) > 0 && results[i] == nil {
			continue // the local part of a list got it
		}
		results[i] = err
	}
}

func (d *StoreDelivery) enqueue(ctx context.Context, m *Message, addrs []string,
	rcpts []*Recipient) error {
	relay := d.Relay
	if relay == nil {
		relay = m.relay
	}
	switch r := relay.(type) {
	case nil:
		return errNoRelay
	case EnvelopeRelay:
		env := *m.Envelope
		env.Recipients = rcpts
		return r.EnqueueEnvelope(ctx, &env, rcpts, m.Reader())
	default:
		return r.Enqueue(ctx, m.Envelope.ReversePath, addrs, m.Reader())
	}
}

// withReturnPath prefixes the message with its Return-Path field.
func withReturnPath(m *Message) io.Reader {
	rp := "Return-Path: <" + m.Envelope.ReversePath + ">\r\n"
	return io.MultiReader(strings.NewReader(rp), m.Reader())
}

func (d *StoreDelivery) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// defaultRoute files the message in the inbox, or in the Junk mailbox
// (RFC 6154) when the envelope is quarantined and the account has one.
func (d *StoreDelivery) defaultRoute(ctx context.Context, m *Message,
	account string) mailstore.Recipient {
	r := mailstore.Recipient{Account: account}
	if !m.Envelope.Quarantine {
		return r
	}
	junk, err := d.Store.MailboxByRole(ctx, account, "junk")
	if err == nil {
		r.Mailbox = junk.ID
	}
	return r
}
