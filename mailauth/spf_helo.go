package mailauth

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// heloKey names one HELO evaluation: the client and the name it gave.
type heloKey struct {
	ip   netip.Addr
	helo string
}

type heloEntry struct {
	check   SPFCheck
	expires time.Time
}

// heloCache keeps HELO identity results so that a session's transactions
// share one evaluation (RFC 7208, section 2.3).
type heloCache struct {
	mu sync.Mutex
	m  map[heloKey]heloEntry
}

func (c *heloCache) get(k heloKey, now time.Time) (SPFCheck, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !now.Before(e.expires) {
		return SPFCheck{}, false
	}
	return e.check, true
}

// put stores a result; past max entries it drops the expired ones, then
// the soonest to expire.
func (c *heloCache) put(k heloKey, check SPFCheck, now, expires time.Time, max int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[heloKey]heloEntry)
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= max {
		c.evict(now)
	}
	c.m[k] = heloEntry{check: check, expires: expires}
}

func (c *heloCache) evict(now time.Time) {
	var first heloKey
	var firstExp time.Time
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
			continue
		}
		if firstExp.IsZero() || e.expires.Before(firstExp) {
			first, firstExp = k, e.expires
		}
	}
	if len(c.m) > 0 && !firstExp.IsZero() {
		delete(c.m, first)
	}
}

// CheckHELO evaluates the SPF policy of the HELO identity
// (RFC 7208, section 2.3): check_host() for the HELO name with the
// sender postmaster@HELO. An address literal or an empty name has no
// policy to check and yields none without a DNS query. Results other
// than temperror are kept for SPFHELOCacheTTL per client address and
// name, so that the transactions of one session share one evaluation.
func (v *Verifier) CheckHELO(ctx context.Context, ip netip.Addr, helo string) SPFCheck {
	if strings.TrimSuffix(helo, ".") == "" || strings.HasPrefix(helo, "[") {
		return SPFCheck{Result: SPFNone, Identity: SPFIdentityHELO, Domain: helo,
			Sender: "postmaster@" + helo, IP: ip, HELO: helo}
	}
	ttl := v.SPFHELOCacheTTL
	if ttl == 0 {
		ttl = 10 * time.Minute
	}
	// The name is kept as given: the result reports it as it was sent.
	k := heloKey{ip: ip.Unmap(), helo: helo}
	now := v.now()
	if ttl > 0 {
		if c, ok := v.helo.get(k, now); ok {
			return c
		}
	}
	c := v.CheckHost(ctx, SPFQuery{IP: ip, Domain: helo, Sender: "postmaster@" + helo,
		HELO: helo})
	c.Identity = SPFIdentityHELO
	if ttl > 0 && c.Result != SPFTempError && ctx.Err() == nil {
		v.helo.put(k, c, now, now.Add(ttl), orDefault(v.SPFHELOCacheSize, 4096))
	}
	return c
}

// CheckSPF evaluates SPF for a transaction at MAIL FROM (RFC 7208,
// sections 2.3 and 2.4). The HELO identity is checked for every session
// (once, through CheckHELO's cache) and kept in HELOCheck. With a null
// reverse-path the MAIL FROM identity is postmaster@HELO, so the HELO
// result is the result; otherwise the reverse-path's domain is checked,
// and DMARC aligns on that (RFC 7489, section 4.1). mailFrom is the
// address without angle brackets.
func (v *Verifier) CheckSPF(ctx context.Context, ip netip.Addr, helo, mailFrom string) SPFCheck {
	h := v.CheckHELO(ctx, ip, helo)
	if mailFrom == "" {
		c := h
		c.HELOCheck = &h
		return c
	}
	domain := mailFrom
	if i := strings.LastIndexByte(mailFrom, '@'); i >= 0 {
		domain = mailFrom[i+1:]
	}
	c := v.CheckHost(ctx, SPFQuery{IP: ip, Domain: domain, Sender: mailFrom, HELO: helo})
	c.Identity = SPFIdentityMailFrom
	c.HELOCheck = &h
	return c
}
