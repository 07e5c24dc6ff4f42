package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// Deliverer sends messages to the hosts of recipient domains. It is safe
// for concurrent use.
type Deliverer struct {
	opts Options

	mu    sync.Mutex
	hosts map[string]chan struct{} // per-host connection slots
	rpt   tlsReports
	pool  pool
}

// New returns a Deliverer.
func New(opts Options) *Deliverer {
	opts.defaults()
	return &Deliverer{opts: opts, hosts: map[string]chan struct{}{}}
}

// Deliver sends m to its recipients, all of one domain, trying the
// domain's hosts in order until one takes the transaction (RFC 5321,
// section 5.1). It returns one result per recipient (nil when
// delivered, an *Error otherwise), or an error for all of them.
func (d *Deliverer) Deliver(ctx context.Context, domain string, m *Message) ([]error, error) {
	hops, err := d.route(ctx, domain)
	if err != nil {
		return nil, err
	}
	var policy *Policy
	if hops[0].relay == nil && d.opts.MTASTS != nil {
		policy = d.opts.MTASTS.policy(ctx, domain, d.opts.Logger)
	}
	var last error = localError(451, "4.4.1", ErrNoHosts, "no host of %s answered", domain)
	for i, h := range hops {
		if i == d.opts.MaxHosts {
			break
		}
		tlsa, err := d.dane(ctx, h)
		if err != nil {
			last = err
			continue
		}
		if tlsa != nil {
			res, err, next := d.hop(ctx, domain, h, &session{tlsa: tlsa}, m)
			if !next {
				return res, err
			}
			last = err
			continue
		}
		if policy.Enforced() && !policy.Match(h.host) {
			d.rpt.add(domain, &session{policy: policy}, "validation-failure", h.host)
			last = localError(451, "4.7.5", ErrTLSRequired,
				"MX %s not allowed by the MTA-STS policy of %s", h.host, domain)
			continue
		}
		res, err, next := d.hop(ctx, domain, h, &session{policy: policy}, m)
		if !next {
			return res, err
		}
		last = err
	}
	return nil, asTemporary(last)
}

// asTemporary keeps *Error values and makes other errors a 4xx.
func asTemporary(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return localError(451, "4.4.1", err, "%v", err)
}

// hop tries every address of one host. next reports whether the next
// host should be tried.
func (d *Deliverer) hop(ctx context.Context, domain string, h hop, p *session,
	m *Message) (res []error, err error, next bool) {
	addrs, err := d.addrs(ctx, h.host)
	if err != nil {
		return nil, localError(451, "4.4.4", err, "no address for %s", h.host), true
	}
	for _, a := range addrs {
		t := Target{Host: h.host, Addr: netip.AddrPortFrom(a, uint16(h.port))}
		res, err, next = d.try(ctx, domain, t, h.relay, p, m)
		if !next {
			return res, err, false
		}
		d.opts.Logger.Info("delivery attempt failed", "domain", domain,
			"host", h.host, "addr", t.Addr.String(), "err", err)
	}
	return nil, err, true
}

// slot takes a connection slot of host, waiting for one.
func (d *Deliverer) slot(ctx context.Context, host string) (func(), error) {
	d.mu.Lock()
	ch := d.hosts[host]
	if ch == nil {
		ch = make(chan struct{}, d.opts.MaxPerHost)
		d.hosts[host] = ch
	}
	d.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// try sends m to one address, on an idle session of the same kind when
// there is one, else on a new one.
func (d *Deliverer) try(ctx context.Context, domain string, t Target, relay *Relay,
	p *session, m *Message) ([]error, error, bool) {
	release, err := d.slot(ctx, t.Host)
	if err != nil {
		return nil, err, false
	}
	defer release()
	key := poolKey(t, relay, p, m)
	if c := d.take(key); c != nil {
		res, err, next, alive := d.send(ctx, c, key, m)
		if alive {
			return res, err, next
		}
		// The remote closed the idle session: start afresh.
	}
	c, err := d.open(ctx, domain, t, relay, p, m)
	if err != nil {
		return nil, err, true
	}
	res, err, next, _ := d.send(ctx, c, key, m)
	return res, err, next
}

// open connects and applies the TLS policy and authentication.
func (d *Deliverer) open(ctx context.Context, domain string, t Target, relay *Relay,
	p *session, m *Message) (*conn, error) {
	c, err := d.connect(ctx, t, relay)
	if err != nil {
		return nil, err
	}
	if err := d.secure(ctx, c, domain, relay, p, m); err != nil {
		c.quit(ctx)
		return nil, err
	}
	if relay != nil && relay.Username != "" {
		if !c.tls {
			c.quit(ctx)
			return nil, localError(451, "4.7.10", ErrTLSRequired,
				"refusing to authenticate to %s without TLS", t.Host)
		}
		if err := c.auth(ctx, relay.Username, relay.Password); err != nil {
			c.quit(ctx)
			return nil, err
		}
	}
	return c, nil
}

// send runs one transaction on c, then keeps c for reuse when the
// transaction ended cleanly. alive is false when the connection broke.
func (d *Deliverer) send(ctx context.Context, c *conn, key string, m *Message) (
	res []error, err error, next, alive bool) {
	res, err = c.transact(ctx, m)
	var e *Error
	switch {
	case err != nil && !errors.As(err, &e):
		c.broken = true
		c.quit(ctx)
		return nil, err, true, false
	case err != nil && e.Host != "" && e.Code/100 == 4 && res == nil:
		c.quit(ctx)
		return nil, err, true, true // a 4xx to MAIL: another host may take it
	case err != nil || c.broken:
		c.quit(ctx)
	default:
		d.put(ctx, key, c)
	}
	return res, err, false, true
}

// connect dials t and reads the greeting.
func (d *Deliverer) connect(ctx context.Context, t Target, relay *Relay) (*conn, error) {
	dctx, cancel := context.WithTimeout(ctx, d.opts.ConnectTimeout)
	defer cancel()
	nc, err := d.opts.Dial(dctx, t)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", t.Host, err)
	}
	lmtp := relay != nil && relay.LMTP
	if relay != nil && relay.ImplicitTLS {
		tc := tls.Client(nc, d.tlsConfig(t.Host, true))
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("tls handshake with %s: %w", t.Host, err)
		}
		nc = tc
	}
	c := newConn(nc, t.Host, lmtp, d.opts.Timeout)
	if err := c.greet(ctx, d.opts.Hostname); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// session is the TLS policy of one host: an MTA-STS policy of the
// domain, or the host's TLSA records (non-nil when DANE applies).
type session struct {
	policy *Policy
	tlsa   []TLSA
}

// secure applies the TLS policy: STARTTLS when offered (RFC 3207),
// verified when REQUIRETLS (RFC 8689), an enforced MTA-STS policy (RFC
// 8461, section 5) or the relay demand it, and checked against TLSA
// records under DANE (RFC 7672, section 2.2).
func (d *Deliverer) secure(ctx context.Context, c *conn, domain string, relay *Relay,
	p *session, m *Message) error {
	dane := p.tlsa != nil
	verify := m.RequireTLS || p.policy.Enforced() || (relay != nil && relay.RequireTLS)
	if !c.tls {
		if !c.has("STARTTLS") {
			if verify || dane {
				d.rpt.add(domain, p, "starttls-not-supported", c.host)
				return localError(451, "4.7.10", ErrTLSRequired,
					"%s does not offer STARTTLS", c.host)
			}
			return nil
		}
		cfg := d.tlsConfig(c.host, verify && !dane)
		failure := "certificate-not-trusted"
		if dane {
			cfg, failure = daneConfig(cfg, c.host, p.tlsa), "tlsa-invalid"
		}
		if err := c.startTLS(ctx, cfg, d.opts.Hostname); err != nil {
			d.rpt.add(domain, p, failure, c.host)
			return err
		}
	}
	d.rpt.add(domain, p, "", c.host)
	if m.RequireTLS && !c.has("REQUIRETLS") {
		return localError(550, "5.7.30", ErrTLSRequired,
			"%s does not support REQUIRETLS", c.host)
	}
	return nil
}

// reportType is the RFC 8460 policy type of a session.
func reportType(p *session) string {
	switch {
	case p == nil:
		return "no-policy-found"
	case p.tlsa != nil:
		return "tlsa"
	case p.policy != nil:
		return "sts"
	}
	return "no-policy-found"
}

// tlsConfig returns the configuration for host; without verification
// any certificate is taken (opportunistic TLS, RFC 7435).
func (d *Deliverer) tlsConfig(host string, verify bool) *tls.Config {
	var cfg *tls.Config
	if d.opts.TLSConfig != nil {
		cfg = d.opts.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	cfg.ServerName = host
	cfg.InsecureSkipVerify = !verify
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}
