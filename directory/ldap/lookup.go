package ldap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/go-ldap/ldap/v3"
)

// search runs one search on a pooled connection, retrying once on a
// fresh connection when the pooled one turns out to be broken.
func (d *Directory) search(ctx context.Context, base string, scope int, f string,
	attrs []string, limit int) ([]*ldap.Entry, error) {
	req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, limit,
		int(d.o.Timeout.Seconds()), false, f, attrs, nil)
	for attempt := 0; ; attempt++ {
		c, err := d.pool.get(ctx)
		if err != nil {
			return nil, err
		}
		res, err := c.Search(req)
		broken := err != nil && ldap.IsErrorWithCode(err, ldap.ErrorNetwork)
		d.pool.put(c, broken)
		switch {
		case broken && attempt == 0:
			continue
		case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
			return nil, nil
		case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) && res != nil:
			return res.Entries, nil
		case err != nil:
			return nil, fmt.Errorf("search %q: %w", f, err)
		}
		return res.Entries, nil
	}
}

// attrs lists the attributes a principal is read from.
func (d *Directory) attrs() []string {
	a := d.o.Attributes
	out := []string{"objectClass", a.Name, a.DisplayName}
	out = append(out, a.Emails...)
	out = append(out, a.Members...)
	out = append(out, a.MemberValues...)
	for _, x := range []string{a.Quota, a.Roles, a.MemberOf} {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// entry finds the one entry of a login name, or ErrNotFound.
func (d *Directory) entry(ctx context.Context, name string, attrs []string,
) (*ldap.Entry, error) {
	if name == "" {
		return nil, directory.ErrNotFound
	}
	es, err := d.search(ctx, d.o.BaseDN, ldap.ScopeWholeSubtree,
		filter(d.o.NameFilter, name), attrs, 2)
	if err != nil {
		return nil, err
	}
	switch len(es) {
	case 0:
		return nil, directory.ErrNotFound
	case 1:
		return es[0], nil
	}
	return nil, fmt.Errorf("name %q matches several entries", name)
}

// Principal returns the principal with the login name (directory.Backend).
func (d *Directory) Principal(ctx context.Context, name string) (*directory.Principal, error) {
	e, err := d.entry(ctx, name, d.attrs())
	if err != nil {
		return nil, err
	}
	return d.principal(ctx, e)
}

// principal maps an entry to a principal.
func (d *Directory) principal(ctx context.Context, e *ldap.Entry) (*directory.Principal, error) {
	a := d.o.Attributes
	p := &directory.Principal{Name: e.GetAttributeValue(a.Name),
		DisplayName: e.GetAttributeValue(a.DisplayName), Type: d.typeOf(e)}
	for _, at := range a.Emails {
		p.Emails = append(p.Emails, e.GetAttributeValues(at)...)
	}
	if a.Quota != "" {
		if v := e.GetAttributeValue(a.Quota); v != "" {
			q, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("entry %q quota %q: %w", e.DN, v, err)
			}
			p.Quota = q
		}
	}
	if a.Roles != "" {
		p.Roles = e.GetAttributeValues(a.Roles)
	}
	for _, at := range a.Members {
		for _, dn := range e.GetAttributeValues(at) {
			n, err := d.nameOf(ctx, dn)
			if err != nil {
				return nil, err
			}
			if n != "" {
				p.Members = append(p.Members, n)
			}
		}
	}
	for _, at := range a.MemberValues {
		p.Members = append(p.Members, e.GetAttributeValues(at)...)
	}
	var err error
	if p.MemberOf, err = d.memberOf(ctx, e); err != nil {
		return nil, err
	}
	return p, nil
}

// memberOf names the groups of an entry, from its MemberOf attribute
// when one is configured, otherwise by searching for groups that list it.
func (d *Directory) memberOf(ctx context.Context, e *ldap.Entry) ([]string, error) {
	a := d.o.Attributes
	var out []string
	if a.MemberOf != "" {
		for _, dn := range e.GetAttributeValues(a.MemberOf) {
			n, err := d.nameOf(ctx, dn)
			if err != nil {
				return nil, err
			}
			if n != "" {
				out = append(out, n)
			}
		}
		return out, nil
	}
	groups, err := d.search(ctx, d.o.BaseDN, ldap.ScopeWholeSubtree,
		filter(d.o.MemberOfFilter, e.DN), []string{a.Name}, d.o.MaxResults)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if n := g.GetAttributeValue(a.Name); n != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// typeOf reads the principal type from the objectClass values.
func (d *Directory) typeOf(e *ldap.Entry) directory.Type {
	has := func(classes []string) bool {
		for _, c := range e.GetAttributeValues("objectClass") {
			eq := func(x string) bool { return strings.EqualFold(x, c) }
			if slices.ContainsFunc(classes, eq) {
				return true
			}
		}
		return false
	}
	switch {
	case has(d.o.Attributes.ListClasses):
		return directory.List
	case has(d.o.Attributes.GroupClasses):
		return directory.Group
	}
	return directory.Individual
}

// nameOf maps a member DN to a login name: from the DN itself when its
// first RDN is the name attribute, otherwise by reading the entry. A DN
// that does not exist gives "".
func (d *Directory) nameOf(ctx context.Context, dn string) (string, error) {
	if p, err := ldap.ParseDN(dn); err == nil && len(p.RDNs) > 0 &&
		len(p.RDNs[0].Attributes) == 1 &&
		strings.EqualFold(p.RDNs[0].Attributes[0].Type, d.o.Attributes.Name) {
		return p.RDNs[0].Attributes[0].Value, nil
	}
	es, err := d.search(ctx, dn, ldap.ScopeBaseObject, "(objectClass=*)",
		[]string{d.o.Attributes.Name}, 1)
	if err != nil || len(es) == 0 {
		return "", err
	}
	return es[0].GetAttributeValue(d.o.Attributes.Name), nil
}

// Secrets returns the stored secrets of a principal (directory.Backend);
// the service account must be allowed to read them.
func (d *Directory) Secrets(ctx context.Context, name string) ([]directory.Secret, error) {
	e, err := d.entry(ctx, name, []string{d.o.Attributes.Secret})
	if err != nil {
		return nil, err
	}
	var out []directory.Secret
	for _, v := range e.GetAttributeValues(d.o.Attributes.Secret) {
		out = append(out, directory.Secret{Hash: v})
	}
	return out, nil
}

// ByAddress returns the principals holding an address (directory.Backend).
func (d *Directory) ByAddress(ctx context.Context, address string) ([]string, error) {
	es, err := d.search(ctx, d.o.BaseDN, ldap.ScopeWholeSubtree,
		filter(d.o.AddressFilter, address), []string{d.o.Attributes.Name}, d.o.MaxResults)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range es {
		if n := e.GetAttributeValue(d.o.Attributes.Name); n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}

// HasDomain reports whether a domain is served (directory.Backend).
func (d *Directory) HasDomain(ctx context.Context, domain string) (bool, error) {
	if len(d.o.Domains) > 0 {
		for _, x := range d.o.Domains {
			if n, err := directory.NormalizeDomain(x); err == nil && n == domain {
				return true, nil
			}
		}
		return false, nil
	}
	es, err := d.search(ctx, d.o.BaseDN, ldap.ScopeWholeSubtree,
		filter(d.o.DomainFilter, domain), []string{"1.1"}, 1)
	return len(es) > 0, err
}

// CheckPassword binds as the account (directory.PasswordChecker).
func (b binder) CheckPassword(ctx context.Context, name, pw string,
) (*directory.Principal, error) {
	if pw == "" || name == "" {
		return nil, directory.ErrInvalidCredentials
	}
	d := b.Directory
	var dn string
	var e *ldap.Entry
	if d.o.Auth == Bind {
		dn = strings.ReplaceAll(d.o.BindTemplate, "%s", ldap.EscapeDN(name))
	} else {
		var err error
		if e, err = d.entry(ctx, name, d.attrs()); err != nil {
			return nil, err
		}
		dn = e.DN
	}
	if err := d.bindAs(ctx, dn, pw); err != nil {
		if errors.Is(err, directory.ErrInvalidCredentials) && e == nil {
			// A direct bind cannot tell a wrong password from a
			// missing entry; ask, so that Core can try the name as an
			// address.
			if _, lerr := d.entry(ctx, name, []string{"1.1"}); errors.Is(lerr,
				directory.ErrNotFound) {
				return nil, lerr
			}
		}
		return nil, err
	}
	if e == nil {
		return d.Principal(ctx, name)
	}
	return d.principal(ctx, e)
}

// bindAs checks a password by binding, then binds back as the service
// account before the connection returns to the pool.
func (d *Directory) bindAs(ctx context.Context, dn, pw string) error {
	c, err := d.pool.get(ctx)
	if err != nil {
		return err
	}
	berr := c.Bind(dn, pw)
	rerr := d.pool.bindService(c)
	d.pool.put(c, rerr != nil)
	switch {
	case berr == nil:
		return nil
	case ldap.IsErrorWithCode(berr, ldap.LDAPResultInvalidCredentials):
		return directory.ErrInvalidCredentials
	}
	return fmt.Errorf("bind %q: %w", dn, errors.Join(berr, rerr))
}
