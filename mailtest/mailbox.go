package mailtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp"
)

// outboundKey files captured outbound mail in a mailbox.
const outboundKey = ""

// mailbox keeps captured messages by key with a read cursor each, and
// wakes waiters on every arrival.
type mailbox struct {
	mu      sync.Mutex
	msgs    map[string][]*Message
	read    map[string]int // how many next returned, by key
	arrived chan struct{}  // closed and replaced on each arrival
}

func newMailbox() *mailbox {
	return &mailbox{msgs: make(map[string][]*Message), read: make(map[string]int),
		arrived: make(chan struct{})}
}

// add files m under each key and wakes the waiters.
func (b *mailbox) add(m *Message, keys ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		b.msgs[k] = append(b.msgs[k], m)
	}
	close(b.arrived)
	b.arrived = make(chan struct{})
}

// all returns the messages under key, oldest first.
func (b *mailbox) all(key string) []*Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*Message(nil), b.msgs[key]...)
}

// next returns the first message under key that no next returned yet,
// waiting for one until ctx ends.
func (b *mailbox) next(ctx context.Context, key string) (*Message, error) {
	for {
		b.mu.Lock()
		if i := b.read[key]; i < len(b.msgs[key]) {
			b.read[key] = i + 1
			m := b.msgs[key][i]
			b.mu.Unlock()
			return m, nil
		}
		arrived := b.arrived
		b.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Messages returns the messages delivered to an account over SMTP or by
// the queue (such as delivery status notifications), in order of
// arrival.
func (s *Server) Messages(account string) []*Message {
	return s.inbox.all(accountName(account))
}

// NextMessage returns the next message delivered to account that no
// earlier NextMessage or WaitMessage returned, waiting for it until ctx
// ends.
func (s *Server) NextMessage(ctx context.Context, account string) (*Message, error) {
	m, err := s.inbox.next(ctx, accountName(account))
	if err != nil {
		return nil, fmt.Errorf("wait for message to %s: %w", account, err)
	}
	return m, nil
}

// WaitMessage is NextMessage for a test: it waits up to timeout and, when
// nothing arrives, reports t.Fatalf and returns nil.
func (s *Server) WaitMessage(t testing.TB, account string, timeout time.Duration) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	m, err := s.NextMessage(ctx, account)
	if err != nil {
		t.Fatalf("mailtest: no message for %s within %v", account, timeout)
	}
	return m
}

// Outbound returns the mail for remote domains that the server took, in
// order of arrival: all of it is recorded, and sent only under
// Options.Queue (RemoteMX.Messages shows what arrived there).
func (s *Server) Outbound() []*Message { return s.outbound.all(outboundKey) }

// NextOutbound returns the next captured outbound message that no
// earlier NextOutbound or WaitOutbound returned, waiting until ctx ends.
func (s *Server) NextOutbound(ctx context.Context) (*Message, error) {
	m, err := s.outbound.next(ctx, outboundKey)
	if err != nil {
		return nil, fmt.Errorf("wait for outbound message: %w", err)
	}
	return m, nil
}

// WaitOutbound is NextOutbound for a test: it waits up to timeout and,
// when nothing arrives, reports t.Fatalf and returns nil.
func (s *Server) WaitOutbound(t testing.TB, timeout time.Duration) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	m, err := s.NextOutbound(ctx)
	if err != nil {
		t.Fatalf("mailtest: no outbound message within %v", timeout)
	}
	return m
}

// capture is the server's Delivery: it stores through inner and records
// a copy for every account that got the message.
type capture struct {
	inner smtp.Delivery
	box   *mailbox
}

// Deliver implements smtp.Delivery.
func (c *capture) Deliver(ctx context.Context, m *smtp.Message) ([]error, error) {
	results, err := c.inner.Deliver(ctx, m)
	if err != nil {
		return results, err
	}
	var accounts []string
	for i, r := range m.Envelope.Recipients {
		if i < len(results) && results[i] == nil {
			accounts = append(accounts, r.Accounts...)
		}
	}
	if len(accounts) == 0 {
		return results, nil
	}
	// The stored copy starts with Return-Path (RFC 5321, section 4.4).
	rp := "Return-Path: <" + m.Envelope.ReversePath + ">\r\n"
	raw, err := io.ReadAll(io.MultiReader(bytes.NewReader([]byte(rp)), m.Reader()))
	if err != nil {
		return results, nil // stored all the same; the copy is lost
	}
	env := Envelope{From: m.Envelope.ReversePath}
	for _, r := range m.Envelope.Recipients {
		env.To = append(env.To, r.Address)
	}
	msg := newMessage(env, raw, m.Envelope.Auth, m.Received)
	msg.Quarantined = m.Envelope.Quarantine
	c.box.add(msg, accounts...)
	return results, nil
}

// recorder is the server's Relay: it records mail for remote recipients
// and, under Options.Queue, queues it in next first.
type recorder struct {
	box  *mailbox
	next smtp.EnvelopeRelay
}

var _ smtp.EnvelopeRelay = (*recorder)(nil)

// Enqueue implements smtp.Relay.
func (r *recorder) Enqueue(ctx context.Context, from string, rcpts []string,
	body io.Reader) error {
	env := &smtp.Envelope{ReversePath: from}
	list := make([]*smtp.Recipient, len(rcpts))
	for i, a := range rcpts {
		list[i] = &smtp.Recipient{Address: a, External: []string{a}}
	}
	return r.EnqueueEnvelope(ctx, env, list, body)
}

// EnqueueEnvelope implements smtp.EnvelopeRelay, keeping the sender
// authentication results.
func (r *recorder) EnqueueEnvelope(ctx context.Context, env *smtp.Envelope,
	rcpts []*smtp.Recipient, body io.Reader) error {
	e := Envelope{From: env.ReversePath}
	for _, rc := range rcpts {
		e.To = append(e.To, rc.External...)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("read outbound message: %w", err)
	}
	if r.next != nil {
		if err := r.next.EnqueueEnvelope(ctx, env, rcpts, bytes.NewReader(raw)); err != nil {
			return err
		}
	}
	r.box.add(newMessage(e, raw, env.Auth, time.Now()), outboundKey)
	return nil
}
