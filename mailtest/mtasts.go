package mailtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// policyHosts serve the MTA-STS policies of remote domains over HTTPS,
// one listener for all of them, the certificate chosen by SNI.
type policyHosts struct {
	mu       sync.Mutex
	addr     string
	policies map[string]string          // by host, "mta-sts." + domain
	certs    map[string]tls.Certificate // by host
	ids      int
}

// PublishMTASTS publishes an MTA-STS policy for domain (RFC 8461): the
// _mta-sts TXT record with a new id, and the policy file at
// https://mta-sts.DOMAIN/.well-known/mta-sts.txt with mode ("enforce",
// "testing" or "none"), the MX patterns and max_age. HTTPClient reaches
// the policy host; publishing again replaces the policy under a new id.
func (s *Server) PublishMTASTS(domain, mode string, maxAge time.Duration,
	mx ...string) error {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	host := "mta-sts." + domain
	var b strings.Builder
	fmt.Fprintf(&b, "version: STSv1\r\nmode: %s\r\n", mode)
	for _, m := range mx {
		fmt.Fprintf(&b, "mx: %s\r\n", m)
	}
	fmt.Fprintf(&b, "max_age: %d\r\n", int64(maxAge/time.Second))
	p := &s.policy
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.addr == "" {
		if err := s.startPolicyHost(); err != nil {
			return fmt.Errorf("mailtest: publish MTA-STS: %w", err)
		}
	}
	if _, ok := p.certs[host]; !ok {
		pair, err := newTLSPair(net.IPv4(127, 0, 0, 1), host)
		if err != nil {
			return fmt.Errorf("mailtest: publish MTA-STS: %w", err)
		}
		p.certs[host] = pair.server.Certificates[0]
		s.remote.trust(pair.leaf)
	}
	p.policies[host] = b.String()
	p.ids++
	s.dns.AddA(host, netip.MustParseAddr("127.0.0.1"))
	s.dns.AddMTASTS(domain, fmt.Sprintf("mailtest%d", p.ids))
	return nil
}

// startPolicyHost starts the HTTPS listener; p.mu is held.
func (s *Server) startPolicyHost() error {
	p := &s.policy
	p.policies = make(map[string]string)
	p.certs = make(map[string]tls.Certificate)
	srv := &http.Server{
		Handler:           http.HandlerFunc(s.servePolicy),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate,
			error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			c, ok := p.certs[strings.ToLower(h.ServerName)]
			if !ok {
				return nil, errors.New("mailtest: no policy host " + h.ServerName)
			}
			return &c, nil
		}},
	}
	addr, err := s.serve("127.0.0.1:0", func(l net.Listener) error {
		return srv.ServeTLS(l, "", "")
	}, srv.Shutdown)
	p.addr = addr
	return err
}

// servePolicy answers the well-known policy path (RFC 8461, section 3.3).
func (s *Server) servePolicy(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	s.policy.mu.Lock()
	text, ok := s.policy.policies[strings.ToLower(host)]
	s.policy.mu.Unlock()
	if !ok || r.URL.Path != "/.well-known/mta-sts.txt" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte(text))
}

// HTTPClient returns an HTTP client that reaches the MTA-STS policy
// hosts of PublishMTASTS, whatever port it is asked for, and trusts
// their certificates: the HTTPClient of an MTA-STS fetcher under test.
// Other hosts fail to resolve.
func (s *Server) HTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		s.policy.mu.Lock()
		_, ok := s.policy.policies[strings.ToLower(host)]
		target := s.policy.addr
		s.policy.mu.Unlock()
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return dialer.DialContext(ctx, network, target)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext:     dial,
		TLSClientConfig: s.verifyLater(),
	}}
}

// verifyLater returns a client configuration that verifies each server
// against the certificates trusted at the time of the handshake, so that
// hosts published after the configuration was made are trusted too.
func (s *Server) verifyLater() *tls.Config {
	return &tls.Config{
		// Verification is not skipped: VerifyConnection does it.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("mailtest: no server certificate")
			}
			opts := x509.VerifyOptions{DNSName: cs.ServerName, Roots: s.remote.pool(),
				Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		},
	}
}
