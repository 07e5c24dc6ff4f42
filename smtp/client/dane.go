package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/miekg/dns"
)

// TLSA is one TLSA record (RFC 6698, section 2.1).
type TLSA struct {
	Usage        uint8 // 2 DANE-TA or 3 DANE-EE; 0 and 1 are unusable for SMTP
	Selector     uint8 // 0 whole certificate, 1 SubjectPublicKeyInfo
	MatchingType uint8 // 0 exact, 1 SHA-256, 2 SHA-512
	Data         []byte
}

// DANEResolver looks up TLSA records and says whether the answer was
// DNSSEC-validated; only a validated answer turns DANE on (RFC 7672,
// section 2.2).
type DANEResolver interface {
	// LookupTLSA looks up name, such as "_25._tcp.mx.example.net". A
	// missing name is no error: it returns no records.
	LookupTLSA(ctx context.Context, name string) (records []TLSA, secure bool, err error)
}

// ErrDANE is returned when a host's certificate matches none of its
// TLSA records.
var ErrDANE = errors.New("client: certificate does not match the TLSA records")

// dane looks up the usable TLSA records of an MX host; nil when DANE
// does not apply. A lookup failure is temporary (RFC 7672, section
// 2.2: the host cannot be used).
func (d *Deliverer) dane(ctx context.Context, h hop) ([]TLSA, error) {
	if d.opts.DANE == nil || h.relay != nil {
		return nil, nil
	}
	name := "_" + strconv.Itoa(h.port) + "._tcp." + h.host
	recs, secure, err := d.opts.DANE.LookupTLSA(ctx, name)
	if err != nil {
		return nil, localError(451, "4.7.5", err, "TLSA lookup for %s failed", h.host)
	}
	if !secure {
		return nil, nil
	}
	var usable []TLSA
	for _, r := range recs {
		// RFC 7672, section 3.1.3: PKIX-TA and PKIX-EE are not used.
		if (r.Usage == 2 || r.Usage == 3) && r.Selector <= 1 && r.MatchingType <= 2 {
			usable = append(usable, r)
		}
	}
	if len(recs) > 0 && len(usable) == 0 {
		// Records exist but none is usable: TLS stays mandatory,
		// without authentication (RFC 7672, section 2.2).
		return []TLSA{}, nil
	}
	return usable, nil
}

// daneConfig verifies the peer against recs instead of the web PKI:
// DANE-EE matches the leaf and ignores names and dates (RFC 7672,
// section 3.1.1); DANE-TA matches a certificate of the chain, which
// must then validate to the MX host name (section 3.1.2).
func daneConfig(base *tls.Config, host string, recs []TLSA) *tls.Config {
	cfg := base.Clone()
	cfg.ServerName = host
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(recs) == 0 {
			return nil
		}
		if daneMatch(cs.PeerCertificates, host, recs) {
			return nil
		}
		return ErrDANE
	}
	return cfg
}

func daneMatch(chain []*x509.Certificate, host string, recs []TLSA) bool {
	if len(chain) == 0 {
		return false
	}
	for _, r := range recs {
		if r.Usage == 3 && tlsaMatch(chain[0], r) {
			return true
		}
		if r.Usage != 2 {
			continue
		}
		for _, c := range chain {
			if tlsaMatch(c, r) && verifyTo(chain, c, host) {
				return true
			}
		}
	}
	return false
}

// verifyTo checks the chain up to the trust anchor ta for host.
func verifyTo(chain []*x509.Certificate, ta *x509.Certificate, host string) bool {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(ta)
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots,
		Intermediates: inter})
	return err == nil
}

// tlsaMatch compares a certificate with a record (RFC 6698, section
// 2.1.2 and 2.1.3).
func tlsaMatch(c *x509.Certificate, r TLSA) bool {
	data := c.Raw
	if r.Selector == 1 {
		data = c.RawSubjectPublicKeyInfo
	}
	switch r.MatchingType {
	case 1:
		s := sha256.Sum256(data)
		data = s[:]
	case 2:
		s := sha512.Sum512(data)
		data = s[:]
	}
	return bytes.Equal(data, r.Data)
}

// DNSSECResolver is a DANEResolver that asks a DNSSEC-validating
// recursive resolver (such as a local unbound) and trusts its AD bit;
// the path to it must be trusted, so it is normally on loopback.
type DNSSECResolver struct {
	// Server is the resolver's "host:port".
	Server string
}

// LookupTLSA implements DANEResolver.
func (r *DNSSECResolver) LookupTLSA(ctx context.Context, name string) ([]TLSA, bool, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeTLSA)
	m.SetEdns0(1232, true)
	m.AuthenticatedData = true
	c := &dns.Client{Net: "udp"}
	in, _, err := c.ExchangeContext(ctx, m, r.Server)
	if err != nil {
		return nil, false, fmt.Errorf("look up TLSA %s: %w", name, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, in.AuthenticatedData, nil
	default:
		return nil, false, &net.DNSError{Err: dns.RcodeToString[in.Rcode], Name: name}
	}
	var out []TLSA
	for _, rr := range in.Answer {
		t, ok := rr.(*dns.TLSA)
		if !ok {
			continue
		}
		data, err := hexBytes(t.Certificate)
		if err != nil {
			continue
		}
		out = append(out, TLSA{Usage: t.Usage, Selector: t.Selector,
			MatchingType: t.MatchingType, Data: data})
	}
	return out, in.AuthenticatedData, nil
}

func hexBytes(s string) ([]byte, error) {
	b := make([]byte, len(s)/2)
	for i := range b {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, err
		}
		b[i] = byte(v)
	}
	return b, nil
}
