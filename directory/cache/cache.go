package cache

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"golang.org/x/sync/singleflight"
)

// Options configure a cache. The zero value is safe.
type Options struct {
	// TTL is how long an answer that found something is kept; default
	// 5 minutes.
	TTL time.Duration
	// NegativeTTL is how long an answer that found nothing (no such
	// principal, an address that delivers nowhere, a foreign domain) is
	// kept; default 1 minute.
	NegativeTTL time.Duration
	// MaxEntries bounds the entries kept; default 100000.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Directory is a directory.Directory that remembers the answers of
// another one: Lookup, Resolve, IsLocalDomain and OwnsAddress. Concurrent
// misses for one key ask the backend once. Authenticate and token checks
// are never cached.
type Directory struct {
	d  directory.Directory
	o  Options
	sf singleflight.Group
	mu sync.Mutex
	m  map[string]entry
}

var (
	_ directory.Directory          = (*Directory)(nil)
	_ directory.TokenAuthenticator = (*Directory)(nil)
)

type entry struct {
	v       any
	err     error
	expires time.Time
}

// New returns a cache in front of d.
func New(d directory.Directory, o Options) *Directory {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Minute
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = time.Minute
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Directory{d: d, o: o, m: make(map[string]entry)}
}

// Purge forgets every answer, after the host changed the directory.
func (c *Directory) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// Len returns the number of entries kept.
func (c *Directory) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// get returns the cached answer for key or asks fetch; negative tells
// whether an answer is negative. Errors other than ErrNotFound are not
// kept.
func (c *Directory) get(ctx context.Context, key string, fetch func() (any, error),
	negative func(any, error) bool) (any, error) {
	now := c.o.Now()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, e.err
	}
	v, err, _ := c.sf.Do(key, func() (any, error) {
		v, err := fetch()
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			return v, err
		}
		ttl := c.o.TTL
		if negative(v, err) {
			ttl = c.o.NegativeTTL
		}
		c.put(key, entry{v: v, err: err, expires: c.o.Now().Add(ttl)})
		return v, err
	})
	return v, err
}

func (c *Directory) put(key string, e entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.o.MaxEntries {
		c.evict()
	}
	c.m[key] = e
}

// evict drops expired entries, then about a tenth of the rest.
func (c *Directory) evict() {
	now := c.o.Now()
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	drop := len(c.m) - c.o.MaxEntries*9/10
	for k := range c.m {
		if drop <= 0 {
			break
		}
		delete(c.m, k)
		drop--
	}
}

func isErr(_ any, err error) bool { return err != nil }

// Authenticate asks the backend every time.
func (c *Directory) Authenticate(ctx context.Context, cr directory.Credentials,
) (*directory.Principal, error) {
	return c.d.Authenticate(ctx, cr)
}

// Lookup returns a copy of the cached principal.
func (c *Directory) Lookup(ctx context.Context, name string) (*directory.Principal, error) {
	v, err := c.get(ctx, "l\x00"+name, func() (any, error) {
		return c.d.Lookup(ctx, name)
	}, isErr)
	if err != nil {
		return nil, err
	}
	return clonePrincipal(v.(*directory.Principal)), nil
}

// Resolve returns the cached resolution.
func (c *Directory) Resolve(ctx context.Context, address string) (directory.Resolution, error) {
	v, err := c.get(ctx, "r\x00"+address, func() (any, error) {
		return c.d.Resolve(ctx, address)
	}, func(v any, err error) bool {
		r := v.(directory.Resolution)
		return err != nil || len(r.Accounts)+len(r.External) == 0
	})
	r, _ := v.(directory.Resolution)
	r.Accounts, r.External = slices.Clone(r.Accounts), slices.Clone(r.External)
	return r, err
}

// IsLocalDomain returns the cached answer.
func (c *Directory) IsLocalDomain(ctx context.Context, domain string) (bool, error) {
	v, err := c.get(ctx, "d\x00"+strings.ToLower(domain), func() (any, error) {
		return c.d.IsLocalDomain(ctx, domain)
	}, func(v any, err error) bool { return err != nil || !v.(bool) })
	ok, _ := v.(bool)
	return ok, err
}

// OwnsAddress returns the cached answer.
func (c *Directory) OwnsAddress(ctx context.Context, principal, address string) (bool, error) {
	v, err := c.get(ctx, "o\x00"+principal+"\x00"+address, func() (any, error) {
		return c.d.OwnsAddress(ctx, principal, address)
	}, func(v any, err error) bool { return err != nil || !v.(bool) })
	ok, _ := v.(bool)
	return ok, err
}

// TokensEnabled reports whether the backend checks tokens.
func (c *Directory) TokensEnabled() bool {
	ta, ok := c.d.(directory.TokenAuthenticator)
	return ok && ta.TokensEnabled()
}

// AuthenticateToken asks the backend every time.
func (c *Directory) AuthenticateToken(ctx context.Context, tc directory.TokenCredentials,
) (*directory.Principal, error) {
	ta, ok := c.d.(directory.TokenAuthenticator)
	if !ok {
		return nil, directory.ErrUnsupportedMechanism
	}
	return ta.AuthenticateToken(ctx, tc)
}

func clonePrincipal(p *directory.Principal) *directory.Principal {
	q := *p
	q.Emails = slices.Clone(p.Emails)
	q.MemberOf = slices.Clone(p.MemberOf)
	q.Members = slices.Clone(p.Members)
	q.Roles = slices.Clone(p.Roles)
	return &q
}
