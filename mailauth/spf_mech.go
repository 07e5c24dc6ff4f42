package mailauth

import (
	"context"
	"net/netip"
	"strings"
)

// maxSPFNames bounds the MX and PTR names one mechanism examines
// (RFC 7208, section 4.6.4).
const maxSPFNames = 10

// matches evaluates one mechanism (RFC 7208, section 5).
func (e *spfEval) matches(ctx context.Context, t spfTerm, domain string, depth int) (bool,
	error) {
	switch t.mech {
	case "all":
		return true, nil
	case "ip4", "ip6":
		return t.prefix.Contains(e.ip), nil
	}
	if err := e.count(); err != nil {
		return false, err
	}
	target, err := e.expandDomain(ctx, t.domain, domain)
	if err != nil {
		return false, err
	}
	switch t.mech {
	case "include":
		return e.include(ctx, target, depth)
	case "a":
		return e.matchHost(ctx, target, t, true)
	case "mx":
		return e.matchMX(ctx, target, t)
	case "ptr":
		return e.matchPTR(ctx, target)
	case "exists":
		addrs, err := e.addrs(ctx, "ip4", target)
		return len(addrs) > 0, err
	}
	return false, permErr("unknown mechanism %q", t.mech)
}

// include evaluates include:target (RFC 7208, section 5.2).
func (e *spfEval) include(ctx context.Context, target string, depth int) (bool, error) {
	if depth >= 2*e.maxLookups {
		return false, permErr("include loop")
	}
	res, _, err := e.checkHost(ctx, target, depth+1)
	if err != nil {
		return false, err
	}
	switch res {
	case SPFPass:
		return true, nil
	case SPFNone:
		return false, permErr("include of %q found no record", target)
	}
	return false, nil
}

// addrs looks up the addresses of host, counting void answers.
func (e *spfEval) addrs(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if !validDomain(host) {
		return nil, e.void()
	}
	addrs, err := e.r.LookupNetIP(ctx, network, host)
	if err != nil && !IsNotFound(err) {
		return nil, tempErr("lookup %s %s: %v", network, host, err)
	}
	if len(addrs) == 0 {
		return nil, e.void()
	}
	return addrs, nil
}

func (e *spfEval) network() string {
	if e.ip.Is4() {
		return "ip4"
	}
	return "ip6"
}

// matchHost reports whether an address of host, within the term's CIDR
// length, holds the client IP (RFC 7208, section 5.3).
func (e *spfEval) matchHost(ctx context.Context, host string, t spfTerm, countVoid bool) (bool,
	error) {
	var addrs []netip.Addr
	var err error
	if countVoid {
		addrs, err = e.addrs(ctx, e.network(), host)
	} else {
		addrs, err = e.r.LookupNetIP(ctx, e.network(), host)
		if IsNotFound(err) {
			err = nil
		} else if err != nil {
			err = tempErr("lookup %s: %v", host, err)
		}
	}
	if err != nil {
		return false, err
	}
	bits := t.cidr4
	if e.ip.Is6() {
		bits = t.cidr6
	}
	for _, a := range addrs {
		a = a.Unmap()
		if a.Is4() != e.ip.Is4() {
			continue
		}
		if p, err := a.Prefix(bits); err == nil && p.Contains(e.ip) {
			return true, nil
		}
	}
	return false, nil
}

// matchMX checks the addresses of the MX hosts of target
// (RFC 7208, section 5.4).
func (e *spfEval) matchMX(ctx context.Context, target string, t spfTerm) (bool, error) {
	if !validDomain(target) {
		return false, e.void()
	}
	mxs, err := e.r.LookupMX(ctx, target)
	if err != nil && !IsNotFound(err) {
		return false, tempErr("lookup MX %s: %v", target, err)
	}
	if len(mxs) == 0 {
		return false, e.void()
	}
	// RFC 7208, section 4.6.4: at most 10 address lookups per mx
	// mechanism; needing an eleventh is a permerror.
	lookups := 0
	for _, mx := range mxs {
		host := strings.TrimSuffix(mx.Host, ".")
		if host == "" {
			continue
		}
		if lookups++; lookups > maxSPFNames {
			return false, permErr("%s has more than %d MX hosts", target, maxSPFNames)
		}
		ok, err := e.matchHost(ctx, host, t, false)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// validatedNames returns the client's PTR names whose addresses include
// the client IP (RFC 7208, section 5.5), at most maxSPFNames of them.
func (e *spfEval) validatedNames(ctx context.Context) []string {
	if e.ptrNames == nil {
		names := e.lookupValidatedNames(ctx)
		e.ptrNames = &names
	}
	return *e.ptrNames
}

func (e *spfEval) lookupValidatedNames(ctx context.Context) []string {
	names, err := e.r.LookupAddr(ctx, e.ip.String())
	if err != nil {
		return nil
	}
	if len(names) > maxSPFNames {
		names = names[:maxSPFNames]
	}
	var out []string
	for _, n := range names {
		n = strings.TrimSuffix(n, ".")
		addrs, err := e.r.LookupNetIP(ctx, e.network(), n)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if a.Unmap() == e.ip {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

func isSubdomainOf(name, domain string) bool {
	name, domain = strings.ToLower(name), strings.ToLower(domain)
	return name == domain || strings.HasSuffix(name, "."+domain)
}

// matchPTR implements the deprecated ptr mechanism (RFC 7208, section 5.5).
func (e *spfEval) matchPTR(ctx context.Context, target string) (bool, error) {
	for _, n := range e.validatedNames(ctx) {
		if isSubdomainOf(n, target) {
			return true, nil
		}
	}
	return false, nil
}

// validatedName is the "p" macro value (RFC 7208, section 7.3).
func (e *spfEval) validatedName(ctx context.Context, domain string) string {
	names := e.validatedNames(ctx)
	for _, n := range names {
		if isSubdomainOf(n, domain) {
			return n
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return "unknown"
}
