package client

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// hop is one host to try, in order.
type hop struct {
	host  string
	port  int
	relay *Relay
}

// route returns the hosts that receive mail for domain: the relay when
// one is configured, else the MX hosts by preference, else the domain
// itself as an implicit MX (RFC 5321, section 5.1).
func (d *Deliverer) route(ctx context.Context, domain string) ([]hop, error) {
	relay := d.opts.Relays[strings.ToLower(domain)]
	if relay == nil {
		relay = d.opts.DefaultRelay
	}
	if relay != nil {
		host, port, err := net.SplitHostPort(relay.Host)
		if err != nil {
			return nil, localError(451, "4.3.5", err, "bad relay address %q", relay.Host)
		}
		p, _ := strconv.Atoi(port)
		return []hop{{host: host, port: p, relay: relay}}, nil
	}
	mxs, err := d.opts.Resolver.LookupMX(ctx, domain)
	if isNotFound(err) || (err == nil && len(mxs) == 0) {
		return []hop{{host: domain, port: d.opts.Port}}, nil
	}
	if err != nil {
		return nil, localError(451, "4.4.3", err, "MX lookup for %s failed", domain)
	}
	return d.mxHops(domain, mxs)
}

// mxHops orders MX records by preference and refuses a null MX (RFC
// 7505, section 3: a single record with the root as host).
func (d *Deliverer) mxHops(domain string, mxs []*net.MX) ([]hop, error) {
	if len(mxs) == 1 && (mxs[0].Host == "." || mxs[0].Host == "") {
		return nil, localError(556, "5.1.10", ErrNullMX,
			"domain %s accepts no mail (null MX)", domain)
	}
	sort.SliceStable(mxs, func(i, j int) bool { return mxs[i].Pref < mxs[j].Pref })
	hops := make([]hop, 0, len(mxs))
	for _, mx := range mxs {
		h := strings.TrimSuffix(mx.Host, ".")
		if h == "" {
			continue
		}
		hops = append(hops, hop{host: h, port: d.opts.Port})
	}
	if len(hops) == 0 {
		return nil, localError(556, "5.1.10", ErrNullMX,
			"domain %s accepts no mail (null MX)", domain)
	}
	return hops, nil
}

// addrs resolves a host to its IPv6 and IPv4 addresses.
func (d *Deliverer) addrs(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	var all []netip.Addr
	var firstErr error
	for _, network := range []string{"ip6", "ip4"} {
		as, err := d.opts.Resolver.LookupNetIP(ctx, network, host)
		if err != nil && !isNotFound(err) && firstErr == nil {
			firstErr = err
		}
		all = append(all, as...)
	}
	if len(all) == 0 {
		if firstErr == nil {
			firstErr = &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
		}
		return nil, firstErr
	}
	return all, nil
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}
