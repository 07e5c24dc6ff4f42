package mailtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/smtp/client"
)

// QueueOptions turns on the outbound queue (Options.Queue): mail for
// remote domains is queued in package queue on the server's memory
// store and sent by the SMTP client of package smtp/client to the
// RemoteMX hosts the fake DNS names, on the time of Clock. Zero values
// take package queue's defaults.
type QueueOptions struct {
	// Clock is the time the queue reads; moving it wakes the queue.
	// Nil makes a clock reading the real time at Start (Server.Clock).
	// Either way the queue's time stands still until the test moves it.
	Clock *Clock
	// Backoff is the retry schedule after each temporary failure of a
	// recipient, the last step repeating (queue.DefaultBackoff: 2m,
	// 5m, 10m, 15m, 30m, 1h, then every 2h). Steps must be positive.
	Backoff []time.Duration
	// Expiry is how long a recipient is retried before it fails with a
	// notification (default 5 days).
	Expiry time.Duration
	// WarnAfter is when a delay notification goes to the sender of a
	// recipient still not delivered (default 4h; negative: never).
	WarnAfter time.Duration
}

// Timeouts of the queue's SMTP client, in real time: remote hosts are
// on loopback and answer at once.
const (
	remoteConnectTimeout = 5 * time.Second
	remoteTimeout        = 10 * time.Second
	// queuePoll is how often, in real time, the queue scans for due
	// work besides the clock's wake-ups.
	queuePoll = 10 * time.Millisecond
)

// startQueue opens the queue on the server's store. Notifications to
// local senders are filed through mailstore and recorded for
// WaitMessage; the rest goes to the remote hosts.
func (s *Server) startQueue(o *QueueOptions) error {
	for _, d := range o.Backoff {
		if d <= 0 {
			return fmt.Errorf("open queue: backoff step %v is not positive", d)
		}
	}
	s.clock = o.Clock
	if s.clock == nil {
		s.clock = NewClock(time.Now())
	}
	s.attempts = newAttemptLog()
	s.mtasts = &client.MTASTS{Resolver: s.dns, HTTPClient: s.HTTPClient(), Now: s.clock.Now}
	local := &localCapture{inner: &queue.MailstoreDelivery{Store: s.store, Directory: s.dir},
		s: s}
	q, err := queue.New(context.Background(), queue.Options{
		KV:           s.kv,
		Blobs:        s.blobs,
		Transport:    &transport{s: s},
		Local:        local,
		Hostname:     Hostname,
		Node:         "mailtest",
		Backoff:      o.Backoff,
		Expiry:       o.Expiry,
		WarnAfter:    o.WarnAfter,
		PollInterval: queuePoll,
		Now:          s.clock.Now,
		Logger:       s.log.With("service", "queue"),
	})
	if err != nil {
		return fmt.Errorf("open queue: %w", err)
	}
	s.queue = q
	s.clock.OnMove(q.Wake)
	return nil
}

// queueRelay is the server's Relay under Options.Queue: the recorder,
// queueing what it records, and the queue taking over the local
// recipients whose delivery failed after DATA (RFC 5321, section 6.1).
type queueRelay struct {
	*recorder
	q *queue.Queue
}

var _ smtp.FailureRelay = (*queueRelay)(nil)

// EnqueueFailures implements smtp.FailureRelay.
func (r *queueRelay) EnqueueFailures(ctx context.Context, env *smtp.Envelope,
	failed []smtp.Failure, body io.Reader) error {
	return r.q.EnqueueFailures(ctx, env, failed, body)
}

// transport is the queue's Transport: a new SMTP client per attempt, so
// that it trusts every remote host added so far and reaches them on
// RemotePort, and a record of each attempt (Attempts).
type transport struct{ s *Server }

// Deliver implements queue.Transport.
func (t *transport) Deliver(ctx context.Context, domain string, m *client.Message) ([]error,
	error) {
	s := t.s
	d := client.New(client.Options{
		Hostname:       Hostname,
		Resolver:       s.dns,
		Dial:           s.dialRemote,
		Port:           25, // replaced by dialRemote
		TLSConfig:      s.RemoteTLSConfig(),
		MTASTS:         s.mtasts,
		Timeout:        remoteTimeout,
		ConnectTimeout: remoteConnectTimeout,
		// One session per attempt: scripted greetings play each time.
		IdleTimeout: -1,
		Logger:      s.log.With("service", "delivery"),
	})
	defer d.Close()
	res, err := d.Deliver(ctx, domain, m)
	a := Attempt{At: s.clock.Now(), Domain: domain, From: m.From}
	for i, r := range m.Recipients {
		a.Recipients = append(a.Recipients, r.Address)
		switch {
		case err != nil:
			a.Errors = append(a.Errors, err)
		case i < len(res):
			a.Errors = append(a.Errors, res[i])
		default:
			a.Errors = append(a.Errors, errors.New("mailtest: no result"))
		}
	}
	s.attempts.add(a)
	return res, err
}

// dialRemote connects to a remote host on RemotePort, and only on
// loopback: the queue never reaches beyond the machine, whatever the
// fake DNS says.
func (s *Server) dialRemote(ctx context.Context, t client.Target) (net.Conn, error) {
	port := s.RemotePort()
	ip := t.Addr.Addr().Unmap()
	if port == 0 || !ip.IsLoopback() {
		return nil, fmt.Errorf("mailtest: no remote host at %s (%s)", t.Host, ip)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", netip.AddrPortFrom(ip, uint16(port)).String())
}

// localCapture files the queue's local mail (notifications to local
// senders) through inner and records a copy for WaitMessage.
type localCapture struct {
	inner *queue.MailstoreDelivery
	s     *Server
}

// IsLocalDomain implements queue.LocalDelivery.
func (l *localCapture) IsLocalDomain(ctx context.Context, domain string) (bool, error) {
	return l.inner.IsLocalDomain(ctx, domain)
}

// DeliverLocal implements queue.LocalDelivery.
func (l *localCapture) DeliverLocal(ctx context.Context, from string, rcpts []string,
	r io.Reader) ([]error, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read local message: %w", err)
	}
	res, err := l.inner.DeliverLocal(ctx, from, rcpts, bytes.NewReader(raw))
	if err != nil {
		return res, err
	}
	var accounts []string
	for i, a := range rcpts {
		if i >= len(res) || res[i] != nil {
			continue
		}
		got, err := l.s.dir.Resolve(ctx, a)
		if err == nil {
			accounts = append(accounts, got.Accounts...)
		}
	}
	if len(accounts) > 0 {
		// As stored: Return-Path first (RFC 5321, section 4.4).
		stored := append([]byte("Return-Path: <"+from+">\r\n"), raw...)
		msg := newMessage(Envelope{From: from, To: rcpts}, stored, nil, time.Now())
		l.s.inbox.add(msg, lowerAll(accounts)...)
	}
	return res, nil
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = accountName(v)
	}
	return out
}

// Queue is the outbound queue of a server started with Options.Queue,
// for its management calls (List, Inspect, Retry, Cancel); nil
// otherwise.
func (s *Server) Queue() *queue.Queue { return s.queue }

// Clock is the time the queue reads under Options.Queue: Advance and
// Set wake the queue. Nil for a server without the queue.
func (s *Server) Clock() *Clock { return s.clock }

// errNoQueue is returned by the queue's helpers on a server without it.
var errNoQueue = errors.New("mailtest: server has no queue (Options.Queue)")
