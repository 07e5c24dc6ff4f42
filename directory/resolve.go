package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// IsLocalDomain reports whether domain (A-label or U-label) is served.
func (c *Core) IsLocalDomain(ctx context.Context, domain string) (bool, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return false, nil
	}
	return c.hasDomain(ctx, d)
}

func (c *Core) hasDomain(ctx context.Context, ascii string) (bool, error) {
	ok, err := c.b.HasDomain(ctx, ascii)
	if err != nil || ok {
		return ok, err
	}
	if u := unicodeDomain(ascii); u != "" {
		return c.b.HasDomain(ctx, u)
	}
	return false, nil
}

// byAddress asks the backend for local@domain in the A-label form, then
// in the U-label form. An empty local asks for the catch-all.
func (c *Core) byAddress(ctx context.Context, local, domain string) ([]string, error) {
	names, err := c.b.ByAddress(ctx, local+"@"+domain)
	if err != nil || len(names) > 0 {
		return names, err
	}
	if u := unicodeDomain(domain); u != "" {
		return c.b.ByAddress(ctx, local+"@"+u)
	}
	return nil, nil
}

// splitDetail splits a local part at the first subaddress separator
// (RFC 5233 section 1): "user+tag" gives "user", "tag".
func (c *Core) splitDetail(local string) (string, string, bool) {
	if c.o.NoSubaddressing {
		return local, "", false
	}
	i := strings.IndexAny(local, c.o.SubaddressSeparators)
	if i <= 0 {
		return local, "", false
	}
	return local[:i], local[i+1:], true
}

// Resolve maps a recipient address to local accounts (see Directory).
// The order of lookups is: the exact address, the address without its
// subaddress detail, then the domain's catch-all.
func (c *Core) Resolve(ctx context.Context, address string) (Resolution, error) {
	a, err := ParseAddress(address, c.o.CaseSensitive, c.o.MaxAddressLength)
	if err != nil {
		return Resolution{}, err
	}
	local, err := c.hasDomain(ctx, a.Domain)
	if err != nil {
		return Resolution{}, fmt.Errorf("resolve %q: %w", address, err)
	}
	if !local {
		return Resolution{}, nil
	}
	names, tag, err := c.find(ctx, a, true)
	if err != nil {
		return Resolution{}, fmt.Errorf("resolve %q: %w", address, err)
	}
	res := Resolution{Local: true, Tag: tag}
	x := expansion{seen: map[string]bool{a.String(): true}, res: &res}
	for _, n := range names {
		if err := c.expand(ctx, &x, n, 0); err != nil {
			return Resolution{}, fmt.Errorf("resolve %q: %w", address, err)
		}
	}
	return res, nil
}

// find returns the principals an address belongs to and its detail.
func (c *Core) find(ctx context.Context, a Address, catchAll bool,
) ([]string, string, error) {
	names, err := c.byAddress(ctx, a.Local, a.Domain)
	if err != nil || len(names) > 0 {
		return names, "", err
	}
	tag := ""
	if base, detail, ok := c.splitDetail(a.Local); ok {
		names, err = c.byAddress(ctx, base, a.Domain)
		if err != nil || len(names) > 0 {
			return names, detail, err
		}
		tag = detail
	}
	if !catchAll {
		return nil, "", nil
	}
	names, err = c.byAddress(ctx, "", a.Domain)
	if len(names) == 0 {
		tag = ""
	}
	return names, tag, err
}

// expansion is the state of one list expansion.
type expansion struct {
	seen map[string]bool // principal names and addresses already visited
	res  *Resolution
}

func (x *expansion) count() int { return len(x.res.Accounts) + len(x.res.External) }

// expand adds the accounts that principal name delivers to. Names and
// addresses are visited once, which ends loops between lists.
func (c *Core) expand(ctx context.Context, x *expansion, name string, depth int) error {
	if x.seen["p:"+name] {
		return nil
	}
	x.seen["p:"+name] = true
	p, err := c.b.Principal(ctx, name)
	if errors.Is(err, ErrNotFound) {
		c.log.Warn("address points to a missing principal", slog.String("name", name))
		return nil
	}
	if err != nil {
		return err
	}
	switch p.Type {
	case Individual:
		x.res.Accounts = append(x.res.Accounts, p.Name)
	case Group, List:
		if depth >= c.o.MaxExpansionDepth {
			return ErrExpansionLimit
		}
		for _, m := range p.Members {
			if err := c.expandMember(ctx, x, m, depth+1); err != nil {
				return err
			}
		}
	}
	if x.count() > c.o.MaxExpansion {
		return ErrExpansionLimit
	}
	return nil
}

// expandMember adds one member of a list: a principal name, a local
// address or a foreign address.
func (c *Core) expandMember(ctx context.Context, x *expansion, m string, depth int) error {
	m = strings.TrimSpace(m)
	if m == "" || x.seen["p:"+m] {
		return nil
	}
	if _, err := c.b.Principal(ctx, m); err == nil {
		return c.expand(ctx, x, m, depth)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	a, err := ParseAddress(m, c.o.CaseSensitive, c.o.MaxAddressLength)
	if err != nil {
		c.log.Warn("list member is not an address", slog.String("member", m))
		return nil
	}
	if x.seen["a:"+a.String()] {
		return nil
	}
	x.seen["a:"+a.String()] = true
	local, err := c.hasDomain(ctx, a.Domain)
	if err != nil {
		return err
	}
	if !local {
		x.res.External = append(x.res.External, m)
		return nil
	}
	names, _, err := c.find(ctx, a, false)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := c.expand(ctx, x, n, depth); err != nil {
			return err
		}
	}
	return nil
}

// OwnsAddress reports whether principal may send as address: one of its
// addresses, with or without a subaddress detail, an address of a group
// it belongs to, or any address of a domain it is the catch-all of.
func (c *Core) OwnsAddress(ctx context.Context, principal, address string) (bool, error) {
	a, err := ParseAddress(address, c.o.CaseSensitive, c.o.MaxAddressLength)
	if err != nil {
		return false, nil
	}
	p, err := c.b.Principal(ctx, principal)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check sender %q: %w", address, err)
	}
	if c.holds(p, a) {
		return true, nil
	}
	for _, g := range p.MemberOf {
		gp, err := c.b.Principal(ctx, g)
		if err != nil || gp.Type != Group {
			continue
		}
		if c.holds(gp, a) {
			return true, nil
		}
	}
	return false, nil
}

// holds reports whether one of p's addresses covers a.
func (c *Core) holds(p *Principal, a Address) bool {
	base, _, _ := c.splitDetail(a.Local)
	for _, e := range p.Emails {
		n, err := NormalizeEmail(e, c.o.CaseSensitive)
		if err != nil {
			continue
		}
		if n == a.String() || n == base+"@"+a.Domain || n == "@"+a.Domain {
			return true
		}
	}
	return false
}
