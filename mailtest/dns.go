package mailtest

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/foxcpp/go-mockdns"
	"github.com/miekg/dns"
)

// DNS is a fake resolver holding the records a test declares, served by
// go-mockdns. Names are case-insensitive and may end with a dot. A name
// without records of the asked type answers "not found". It implements
// mailauth.Resolver and smtp.Resolver and is safe for concurrent use.
type DNS struct {
	mu sync.RWMutex
	r  mockdns.Resolver
}

var _ mailauth.Resolver = (*DNS)(nil)

func newDNS() *DNS { return &DNS{r: mockdns.Resolver{Zones: map[string]mockdns.Zone{}}} }

// fqdn is the zone key of a name.
func fqdn(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + "."
}

// edit changes the zone of name under the lock.
func (d *DNS) edit(name string, f func(z *mockdns.Zone)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	z := d.r.Zones[fqdn(name)]
	f(&z)
	d.r.Zones[fqdn(name)] = z
}

// AddTXT adds TXT records to name.
func (d *DNS) AddTXT(name string, txt ...string) {
	d.edit(name, func(z *mockdns.Zone) { z.TXT = append(z.TXT, txt...) })
}

// SetTXT replaces the TXT records of name.
func (d *DNS) SetTXT(name string, txt ...string) {
	d.edit(name, func(z *mockdns.Zone) { z.TXT = append([]string(nil), txt...) })
}

// AddMX adds an MX record to domain (RFC 5321, section 5.1).
func (d *DNS) AddMX(domain, host string, pref uint16) {
	d.edit(domain, func(z *mockdns.Zone) {
		z.MX = append(z.MX, net.MX{Host: fqdn(host), Pref: pref})
	})
}

// AddA adds an A or AAAA record to name, as ip's family says.
func (d *DNS) AddA(name string, ip netip.Addr) {
	d.edit(name, func(z *mockdns.Zone) {
		if ip.Unmap().Is4() {
			z.A = append(z.A, ip.Unmap().String())
		} else {
			z.AAAA = append(z.AAAA, ip.String())
		}
	})
}

// AddPTR adds a reverse name to ip, for iprev (RFC 8601, section 3).
func (d *DNS) AddPTR(ip netip.Addr, name string) {
	arpa, err := reverseName(ip)
	if err != nil {
		return
	}
	d.edit(arpa, func(z *mockdns.Zone) { z.PTR = append(z.PTR, fqdn(name)) })
}

// AddSPF publishes an SPF record for domain (RFC 7208, section 3), such
// as "v=spf1 ip4:127.0.0.1 -all".
func (d *DNS) AddSPF(domain, record string) { d.AddTXT(domain, record) }

// AddDMARC publishes a DMARC record for domain at _dmarc.domain (RFC
// 7489, section 6.1), such as "v=DMARC1; p=reject".
func (d *DNS) AddDMARC(domain, record string) { d.AddTXT("_dmarc."+domain, record) }

// AddMTASTS publishes the TXT record of an MTA-STS policy at
// _mta-sts.domain (RFC 8461, section 3.1), replacing an earlier one: a
// domain has one. Server.PublishMTASTS also serves the policy file.
func (d *DNS) AddMTASTS(domain, id string) {
	d.SetTXT("_mta-sts."+domain, "v=STSv1; id="+id)
}

// PublishDKIM makes an Ed25519 key (RFC 8463), publishes it at
// selector._domainkey.domain and returns a Signer for it.
func (d *DNS) PublishDKIM(domain, selector string) (*mailauth.Signer, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make DKIM key: %w", err)
	}
	return d.PublishDKIMKey(domain, selector, key)
}

// PublishDKIMKey publishes the public half of key (*rsa.PrivateKey or
// ed25519.PrivateKey) at selector._domainkey.domain (RFC 6376, section
// 3.6.2) and returns a Signer for it.
func (d *DNS) PublishDKIMKey(domain, selector string, key crypto.Signer) (*mailauth.Signer,
	error) {
	var record string
	switch k := key.(type) {
	case ed25519.PrivateKey:
		pub := k.Public().(ed25519.PublicKey)
		record = "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	case *rsa.PrivateKey:
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("encode DKIM key: %w", err)
		}
		record = "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	default:
		return nil, fmt.Errorf("publish DKIM key: unsupported key type %T", key)
	}
	d.AddTXT(selector+"._domainkey."+domain, record)
	return &mailauth.Signer{Domain: domain, Selector: selector, Key: key}, nil
}

// LookupTXT implements mailauth.Resolver.
func (d *DNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.r.LookupTXT(ctx, strings.ToLower(name))
}

// LookupMX implements mailauth.Resolver.
func (d *DNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.r.LookupMX(ctx, strings.ToLower(name))
}

// LookupNetIP implements mailauth.Resolver: "ip4" asks for A records,
// "ip6" for AAAA, "ip" for both.
func (d *DNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ips, err := d.r.LookupIP(ctx, network, strings.ToLower(host))
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	return out, nil
}

// LookupAddr implements mailauth.Resolver and smtp.Resolver.
func (d *DNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.r.LookupAddr(ctx, addr)
}

// LookupHost implements smtp.Resolver.
func (d *DNS) LookupHost(ctx context.Context, host string) ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.r.LookupHost(ctx, strings.ToLower(host))
}

// reverseName is the in-addr.arpa or ip6.arpa name of ip.
func reverseName(ip netip.Addr) (string, error) {
	return dns.ReverseAddr(ip.Unmap().String())
}
