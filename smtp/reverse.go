package smtp

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Resolver is the DNS a server uses to name its clients. *net.Resolver
// satisfies it; tests inject a mock.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
}

var _ Resolver = (*net.Resolver)(nil)

// maxReverseNames bounds the PTR names checked for one client.
const maxReverseNames = 5

// reverseName returns the client's forward-confirmed reverse DNS name
// (the "iprev" method of RFC 8601, section 3): a PTR name of addr whose
// addresses include addr. It returns "" when there is none or the
// lookups fail or take longer than timeout.
func reverseName(ctx context.Context, r Resolver, addr netip.Addr,
	timeout time.Duration) string {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	names, err := r.LookupAddr(ctx, addr.String())
	if err != nil {
		return ""
	}
	for i, name := range names {
		if i == maxReverseNames {
			break
		}
		ips, err := r.LookupHost(ctx, name)
		if err != nil {
			continue
		}
		for _, ip := range ips {
			if a, err := netip.ParseAddr(ip); err == nil && a.Unmap() == addr.Unmap() {
				return strings.ToLower(strings.TrimSuffix(name, "."))
			}
		}
	}
	return ""
}
