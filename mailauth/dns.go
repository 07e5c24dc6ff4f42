package mailauth

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Resolver is the DNS access every check in this package goes through. Its
// method set matches *net.Resolver, so the standard resolver can be passed as
// is; tests pass an in-memory resolver such as go-mockdns.
//
// A name that does not exist, or exists without records of the asked type,
// must be reported as a *net.DNSError with IsNotFound set: SPF counts those
// answers as void lookups (RFC 7208, section 4.6.4) and DKIM and DMARC treat
// them as "no record". Any other error is taken as a temporary failure.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	// LookupNetIP looks up A ("ip4") or AAAA ("ip6") records.
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	// LookupAddr looks up the PTR names of an address given in text form.
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

var _ Resolver = (*net.Resolver)(nil)

// IsNotFound reports whether err is a DNS answer saying the name or the
// record type does not exist (NXDOMAIN or an empty answer).
func IsNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// notFound builds the error a Resolver returns for a missing name.
func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// CacheOptions configures a Cache. The zero value is usable.
type CacheOptions struct {
	// TTL is how long a positive answer is kept. Default 5 minutes.
	TTL time.Duration
	// NegativeTTL is how long a "not found" answer is kept (RFC 2308).
	// Default 1 minute. Temporary failures are never cached.
	NegativeTTL time.Duration
	// MaxEntries bounds the cache; when full, expired entries are dropped
	// and then the whole cache is cleared. Default 10000.
	MaxEntries int
	// Now returns the current time; nil means time.Now. For tests.
	Now func() time.Time
}

// Cache is a Resolver that remembers answers of another Resolver for a fixed
// time, including negative answers. The resolvers behind net.Resolver do not
// expose record TTLs, so one TTL applies to all. Answers are shared between
// callers, which must not modify them. It is safe for concurrent use.
type Cache struct {
	r    Resolver
	opts CacheOptions

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	expires time.Time
	value   any
	err     error
}

var _ Resolver = (*Cache)(nil)

// NewCache returns a Cache in front of r.
func NewCache(r Resolver, opts CacheOptions) *Cache {
	if opts.TTL <= 0 {
		opts.TTL = 5 * time.Minute
	}
	if opts.NegativeTTL <= 0 {
		opts.NegativeTTL = time.Minute
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{r: r, opts: opts, entries: make(map[string]cacheEntry)}
}

// Len returns the number of entries held, expired ones included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *Cache) get(key string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.opts.Now().Before(e.expires) {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *Cache) put(key string, value any, err error) {
	ttl := c.opts.TTL
	if err != nil {
		if !IsNotFound(err) {
			return
		}
		ttl = c.opts.NegativeTTL
	}
	now := c.opts.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.opts.MaxEntries {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.opts.MaxEntries {
			clear(c.entries)
		}
	}
	c.entries[key] = cacheEntry{expires: now.Add(ttl), value: value, err: err}
}

// cached runs lookup unless key has a live entry.
func cached[T any](c *Cache, key string, lookup func() (T, error)) (T, error) {
	if e, ok := c.get(key); ok {
		v, _ := e.value.(T)
		return v, e.err
	}
	v, err := lookup()
	c.put(key, v, err)
	return v, err
}

// LookupTXT implements Resolver.
func (c *Cache) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return cached(c, "txt "+strings.ToLower(name), func() ([]string, error) {
		return c.r.LookupTXT(ctx, name)
	})
}

// LookupMX implements Resolver.
func (c *Cache) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return cached(c, "mx "+strings.ToLower(name), func() ([]*net.MX, error) {
		return c.r.LookupMX(ctx, name)
	})
}

// LookupNetIP implements Resolver.
func (c *Cache) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	key := network + " " + strings.ToLower(host)
	return cached(c, key, func() ([]netip.Addr, error) {
		return c.r.LookupNetIP(ctx, network, host)
	})
}

// LookupAddr implements Resolver.
func (c *Cache) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return cached(c, "ptr "+addr, func() ([]string, error) {
		return c.r.LookupAddr(ctx, addr)
	})
}
