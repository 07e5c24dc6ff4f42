package mailtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp"
)

// maxRemotes bounds the remote hosts of one server: each has its own
// address in 127.0.0.0/8, from 127.0.0.2 up.
const maxRemotes = 200

// remotes are the simulated remote MX hosts of a server; they share one
// port, each on its own loopback address, so that an SMTP client
// configured with that port reaches every one through the fake DNS.
type remotes struct {
	mu    sync.Mutex
	hosts []*RemoteMX
	port  int
	certs []*x509.Certificate // of remote hosts and policy hosts
}

// trust adds a certificate to those RemoteTLSConfig trusts.
func (r *remotes) trust(c *x509.Certificate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.certs = append(r.certs, c)
}

// pool returns a new pool of the trusted certificates.
func (r *remotes) pool() *x509.CertPool {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := x509.NewCertPool()
	for _, c := range r.certs {
		p.AddCert(c)
	}
	return p
}

// Stage is a point of an SMTP session where a RemoteMX answers a
// scripted reply.
type Stage int

const (
	// StageConnect replaces the greeting (RFC 5321, section 3.1); use
	// 554, or 421 for a host that is busy.
	StageConnect Stage = iota
	// StageHello answers EHLO and HELO.
	StageHello
	// StageMail answers MAIL FROM.
	StageMail
	// StageRcpt answers RCPT TO.
	StageRcpt
	// StageData answers the DATA command.
	StageData
	// StageMessage answers the end of the message data.
	StageMessage
)

// RemoteMX is a simulated mail host of a remote domain: an SMTP server
// on a loopback address, published in the fake DNS as the domain's MX
// and answering scripted replies. Mail it accepts is recorded.
type RemoteMX struct {
	// Domain is the domain it receives for; Host its MX name,
	// "mx." + Domain.
	Domain, Host string
	// Addr is its host:port.
	Addr string

	box       *mailbox
	fails     *failures // per recipient, before the RCPT script
	mu        sync.Mutex
	script    map[Stage][]*failure
	tlsBroken atomic.Bool
}

// AddRemoteMX starts a simulated MX host for domain: an MX record
// pointing to "mx."+domain and an A record to a loopback address of its
// own, on the port RemotePort returns. It accepts every recipient and
// offers STARTTLS with a certificate RemoteTLSConfig trusts.
func (s *Server) AddRemoteMX(domain string) (*RemoteMX, error) {
	r := &s.remote
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.hosts) >= maxRemotes {
		return nil, errors.New("mailtest: add remote MX: too many hosts")
	}
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	ip := netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + len(r.hosts))})
	m := &RemoteMX{Domain: domain, Host: "mx." + domain, box: newMailbox(),
		fails: newFailures(), script: make(map[Stage][]*failure)}
	pair, err := newTLSPair(ip.AsSlice(), m.Host)
	if err != nil {
		return nil, fmt.Errorf("mailtest: add remote MX: %w", err)
	}
	srv, err := smtp.New(m.options(pair, s))
	if err != nil {
		return nil, fmt.Errorf("mailtest: add remote MX: %w", err)
	}
	m.Addr, err = s.serve(netip.AddrPortFrom(ip, uint16(r.port)).String(), srv.Serve,
		srv.Shutdown)
	if err != nil {
		return nil, fmt.Errorf("mailtest: add remote MX %s: %w", domain, err)
	}
	if r.port == 0 {
		r.port = int(netip.MustParseAddrPort(m.Addr).Port())
	}
	r.certs = append(r.certs, pair.leaf)
	r.hosts = append(r.hosts, m)
	s.dns.AddMX(domain, m.Host, 10)
	s.dns.AddA(m.Host, ip)
	return m, nil
}

// options configures the host's SMTP server: every recipient is taken
// as remote and accepted from loopback, and its delivery records.
func (m *RemoteMX) options(pair *tlsPair, s *Server) smtp.Options {
	cert := pair.server.Certificates[0]
	tc := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		if m.tlsBroken.Load() {
			return nil, errors.New("mailtest: TLS broken on purpose")
		}
		return &cert, nil
	}}
	return smtp.Options{
		Hostname:            m.Host,
		TLSConfig:           tc,
		RelayNetworks:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Relay:               discard{},
		Delivery:            remoteDelivery{m.box},
		MaxConnectionsPerIP: -1,
		Logger:              s.log.With("remote", m.Host),
		Hooks: smtp.Hooks{
			Connect: func(context.Context, *smtp.Session) error { return m.take(StageConnect) },
			Hello: func(context.Context, *smtp.Session, string) error {
				return m.take(StageHello)
			},
			Mail: func(context.Context, *smtp.Session, *smtp.Envelope) error {
				return m.take(StageMail)
			},
			Rcpt: func(ctx context.Context, s *smtp.Session, e *smtp.Envelope,
				r *smtp.Recipient) error {
				if err := m.fails.rcpt(ctx, s, e, r); err != nil {
					return err
				}
				return m.take(StageRcpt)
			},
			Data: func(context.Context, *smtp.Session, *smtp.Envelope) error {
				return m.take(StageData)
			},
			Message: func(context.Context, *smtp.Message) error { return m.take(StageMessage) },
		},
	}
}

// RemotePort is the port every remote MX host listens on: the Port
// option of the SMTP client under test. 0 before the first AddRemoteMX.
func (s *Server) RemotePort() int {
	s.remote.mu.Lock()
	defer s.remote.mu.Unlock()
	return s.remote.port
}

// RemoteTLSConfig returns a client configuration that trusts the
// certificates of the remote MX hosts and MTA-STS policy hosts added so
// far; call it after adding them.
func (s *Server) RemoteTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.remote.pool()}
}

// Reply scripts the host's next n answers at stage (n < 0: all of them)
// to be code and text; a 4xx code defers, a 5xx code rejects, any other
// code becomes 550. Scripts of one stage play in the order given; once
// they are used up the stage succeeds again. Greylisting is
// Reply(StageRcpt, 1, 451, ...).
func (m *RemoteMX) Reply(stage Stage, n, code int, text string) {
	if code < 400 || code > 599 {
		code = 550
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.script[stage] = append(m.script[stage], &failure{left: n, err: &smtp.Error{Code: code,
		EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: text}})
}

// FailRecipient makes the host answer code and text to the next n RCPT
// TO commands for address (n < 0: all of them), ahead of the StageRcpt
// script, while other recipients of the same message are accepted: a
// queue then retries (4xx) or bounces (5xx) that recipient alone. Codes
// are taken as by Reply.
func (m *RemoteMX) FailRecipient(address string, n, code int, text string) {
	m.fails.set(address, n, code, text)
}

// BreakTLS makes every later TLS handshake with the host fail (true) or
// succeed again (false).
func (m *RemoteMX) BreakTLS(broken bool) { m.tlsBroken.Store(broken) }

// take plays the next scripted reply of stage, if any.
func (m *RemoteMX) take(stage Stage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.script[stage]
	for len(q) > 0 && q[0].left == 0 {
		q = q[1:]
	}
	m.script[stage] = q
	if len(q) == 0 {
		return nil
	}
	if q[0].left > 0 {
		q[0].left--
	}
	e := *q[0].err
	return &e
}

// Messages returns the messages the host accepted, oldest first.
func (m *RemoteMX) Messages() []*Message { return m.box.all(outboundKey) }

// NextMessage returns the next accepted message that no earlier
// NextMessage or WaitMessage returned, waiting until ctx ends.
func (m *RemoteMX) NextMessage(ctx context.Context) (*Message, error) {
	msg, err := m.box.next(ctx, outboundKey)
	if err != nil {
		return nil, fmt.Errorf("wait for message at %s: %w", m.Host, err)
	}
	return msg, nil
}

// WaitMessage is NextMessage for a test: it waits up to timeout and,
// when nothing arrives, reports t.Fatalf and returns nil.
func (m *RemoteMX) WaitMessage(t testing.TB, timeout time.Duration) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	msg, err := m.NextMessage(ctx)
	if err != nil {
		t.Fatalf("mailtest: no message at %s within %v", m.Host, timeout)
	}
	return msg
}

// remoteDelivery records every message a remote host accepts.
type remoteDelivery struct{ box *mailbox }

// Deliver implements smtp.Delivery.
func (d remoteDelivery) Deliver(ctx context.Context, m *smtp.Message) ([]error, error) {
	raw, err := io.ReadAll(m.Reader())
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	env := Envelope{From: m.Envelope.ReversePath}
	for _, r := range m.Envelope.Recipients {
		env.To = append(env.To, r.Address)
	}
	d.box.add(newMessage(env, raw, nil, m.Received), outboundKey)
	return make([]error, len(m.Envelope.Recipients)), nil
}

// discard is the Relay of remote hosts; their Delivery never uses it.
type discard struct{}

// Enqueue implements smtp.Relay.
func (discard) Enqueue(context.Context, string, []string, io.Reader) error { return nil }
