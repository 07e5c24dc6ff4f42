package listener

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/pires/go-proxyproto"
)

// ErrNoProxyHeader is returned by Handshake when a connection from a
// trusted network did not open with a valid PROXY header in time.
var ErrNoProxyHeader = errors.New("listener: missing or invalid PROXY header")

// ProxyOptions configures Wrap. The zero value trusts no network, so Wrap
// returns the listener unchanged.
type ProxyOptions struct {
	// Trusted lists the networks (load balancers, proxies) whose
	// connections must open with a PROXY v1 or v2 header. Connections
	// from anywhere else are passed through untouched: a PROXY line they
	// send is plain protocol data, never believed.
	Trusted []netip.Prefix

	// HeaderTimeout bounds the wait for the header. Default 5 seconds.
	HeaderTimeout time.Duration

	// Logger receives refused headers. Nil discards.
	Logger *slog.Logger
}

// Wrap returns a listener that reads a PROXY header on connections from
// opts.Trusted and reports the client address it carries as RemoteAddr.
// Servers call Handshake on each accepted connection before using it.
func Wrap(l net.Listener, opts ProxyOptions) net.Listener {
	if len(opts.Trusted) == 0 {
		return l
	}
	timeout := opts.HeaderTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	trusted := append([]netip.Prefix(nil), opts.Trusted...)
	return &proxyproto.Listener{
		Listener:          l,
		ReadHeaderTimeout: timeout,
		ConnPolicy: func(o proxyproto.ConnPolicyOptions) (proxyproto.Policy, error) {
			ap := AddrPort(o.Upstream)
			for _, p := range trusted {
				if p.Contains(ap.Addr()) {
					return proxyproto.REQUIRE, nil
				}
			}
			return proxyproto.SKIP, nil
		},
	}
}

// Handshake reads the PROXY header of a connection accepted from a
// listener made by Wrap, so that RemoteAddr is the real client. It does
// nothing for other connections. On ErrNoProxyHeader the caller closes c.
func Handshake(c net.Conn) error {
	pc, ok := c.(*proxyproto.Conn)
	if !ok {
		return nil
	}
	if _, err := pc.Read(nil); err != nil {
		return fmt.Errorf("read PROXY header: %w: %w", ErrNoProxyHeader, err)
	}
	return nil
}

// AddrPort returns the IP address and port of a net.Addr, with IPv4-mapped
// IPv6 addresses unmapped; the zero value when a has none.
func AddrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	case nil:
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// ParsePrefixes parses networks for ProxyOptions.Trusted as configuration
// files write them: CIDR prefixes ("10.0.0.0/8", "2001:db8::/32") or
// single addresses ("192.0.2.1", a /32 or /128).
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("parse network %q: %w", s, err)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
