package local

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/store"
)

// CreatePrincipal adds a principal. Its name and addresses are
// normalised; the domains of its addresses become local domains if they
// are not yet. A non-nil p.MemberOf names existing groups or lists to
// join; groups that already list the name keep it. A
// non-empty password is hashed with argon2id. It returns
// directory.ErrExists when the name or an address is taken and
// directory.ErrInvalid for a malformed value.
func (d *Directory) CreatePrincipal(ctx context.Context, p directory.Principal,
	password string) error {
	r, err := d.newRecord(p)
	if err != nil {
		return err
	}
	if password != "" {
		if r.Secret, err = d.Options().Passwords.Hash(password); err != nil {
			return err
		}
	}
	return d.kv.Update(ctx, func(tx store.Tx) error {
		if _, err := getRecord(tx, r.Name); err == nil {
			return fmt.Errorf("create principal %q: %w", r.Name, directory.ErrExists)
		} else if !errors.Is(err, directory.ErrNotFound) {
			return err
		}
		groups := p.MemberOf
		if groups != nil {
			have, err := memberOf(tx, r.Name)
			if err != nil {
				return err
			}
			groups = append(slices.Clone(groups), have...)
		}
		return d.write(tx, nil, r, groups)
	})
}

// UpdatePrincipal replaces the principal named p.Name with p: addresses,
// members, roles, quota and display name, and memberships when p.MemberOf
// is not nil (an empty slice leaves every group). Secrets are kept. It
// returns directory.ErrNotFound when there is no such principal.
func (d *Directory) UpdatePrincipal(ctx context.Context, p directory.Principal) error {
	r, err := d.newRecord(p)
	if err != nil {
		return err
	}
	return d.kv.Update(ctx, func(tx store.Tx) error {
		old, err := getRecord(tx, r.Name)
		if err != nil {
			return fmt.Errorf("update principal %q: %w", r.Name, err)
		}
		r.Secret, r.Apps = old.Secret, old.Apps
		return d.write(tx, old, r, p.MemberOf)
	})
}

// DeletePrincipal removes a principal, its addresses and its
// memberships. It returns directory.ErrNotFound when there is none.
func (d *Directory) DeletePrincipal(ctx context.Context, name string) error {
	n, err := normalizeName(name)
	if err != nil {
		return directory.ErrNotFound
	}
	return d.kv.Update(ctx, func(tx store.Tx) error {
		old, err := getRecord(tx, n)
		if err != nil {
			return fmt.Errorf("delete principal %q: %w", n, err)
		}
		if err := d.unindex(tx, old); err != nil {
			return err
		}
		if err := setMemberOf(tx, n, []string{}); err != nil {
			return err
		}
		return tx.Delete(spacePrincipal, []byte(n))
	})
}

// ListPrincipals returns every principal, ordered by name.
func (d *Directory) ListPrincipals(ctx context.Context) ([]directory.Principal, error) {
	var out []directory.Principal
	err := d.kv.View(ctx, func(tx store.Tx) error {
		var recs []*record
		err := tx.Scan(spacePrincipal, store.Range{}, func(k, v []byte) error {
			r, err := getRecordValue(k, v)
			recs = append(recs, r)
			return err
		})
		if err != nil {
			return err
		}
		for _, r := range recs {
			p := r.principal()
			if p.MemberOf, err = memberOf(tx, r.Name); err != nil {
				return err
			}
			out = append(out, *p)
		}
		return nil
	})
	return out, err
}

// newRecord validates and normalises p.
func (d *Directory) newRecord(p directory.Principal) (*record, error) {
	n, err := normalizeName(p.Name)
	if err != nil {
		return nil, err
	}
	r := &record{Name: n, Type: p.Type.String(), DisplayName: p.DisplayName,
		Quota: p.Quota, Roles: clone(p.Roles)}
	if p.Type > directory.Domain || p.Quota < 0 {
		return nil, fmt.Errorf("principal %q: %w", n, directory.ErrInvalid)
	}
	cs := d.Options().CaseSensitive
	for _, e := range p.Emails {
		ne, err := directory.NormalizeEmail(e, cs)
		if err != nil {
			return nil, fmt.Errorf("principal %q address %q: %w", n, e, directory.ErrInvalid)
		}
		if !slices.Contains(r.Emails, ne) {
			r.Emails = append(r.Emails, ne)
		}
	}
	for _, m := range p.Members {
		m = strings.TrimSpace(m)
		if !cs || !strings.Contains(m, "@") {
			m = strings.ToLower(m)
		}
		if m != "" && m != n && !slices.Contains(r.Members, m) {
			r.Members = append(r.Members, m)
		}
	}
	return r, nil
}

// write stores r in place of old (nil for a new principal) with its
// indexes, and sets its memberships.
func (d *Directory) write(tx store.Tx, old, r *record, groups []string) error {
	if old != nil {
		if err := d.unindex(tx, old); err != nil {
			return err
		}
	}
	for _, e := range r.Emails {
		if err := claimAddress(tx, e, r.Name); err != nil {
			return err
		}
	}
	for _, m := range r.Members {
		if err := tx.Put(spaceMember, memberKey(m, r.Name), nil); err != nil {
			return err
		}
	}
	if err := putRecord(tx, r); err != nil {
		return err
	}
	return setMemberOf(tx, r.Name, groups)
}

// claimAddress indexes an address for name and adds its domain.
func claimAddress(tx store.Tx, addr, name string) error {
	v, err := tx.Get(spaceAddress, []byte(addr))
	if err == nil && string(v) != name {
		return fmt.Errorf("address %q held by %q: %w", addr, v, directory.ErrExists)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := tx.Put(spaceAddress, []byte(addr), []byte(name)); err != nil {
		return err
	}
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	return tx.Put(spaceDomain, []byte(domain), nil)
}

// unindex removes old's address and member index entries.
func (d *Directory) unindex(tx store.Tx, old *record) error {
	for _, e := range old.Emails {
		if err := tx.Delete(spaceAddress, []byte(e)); err != nil {
			return err
		}
	}
	for _, m := range old.Members {
		if err := tx.Delete(spaceMember, memberKey(m, old.Name)); err != nil {
			return err
		}
	}
	return nil
}

func memberKey(member, group string) []byte {
	return []byte(member + "\x00" + group)
}

// setMemberOf makes name a member of exactly groups; nil leaves the
// memberships as they are.
func setMemberOf(tx store.Tx, name string, groups []string) error {
	if groups == nil {
		return nil
	}
	want := make([]string, 0, len(groups))
	for _, g := range groups {
		gn, err := normalizeName(g)
		if err != nil {
			return err
		}
		want = append(want, gn)
	}
	have, err := memberOf(tx, name)
	if err != nil {
		return err
	}
	for _, g := range have {
		if !slices.Contains(want, g) {
			if err := editMembers(tx, g, name, false); err != nil {
				return err
			}
		}
	}
	for _, g := range want {
		if !slices.Contains(have, g) {
			if err := editMembers(tx, g, name, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// editMembers adds name to or removes it from group g.
func editMembers(tx store.Tx, g, name string, add bool) error {
	r, err := getRecord(tx, g)
	if err != nil {
		return fmt.Errorf("group %q: %w", g, err)
	}
	t, _ := directory.ParseType(r.Type)
	if t != directory.Group && t != directory.List {
		return fmt.Errorf("%q is not a group or list: %w", g, directory.ErrInvalid)
	}
	r.Members = slices.DeleteFunc(r.Members, func(m string) bool { return m == name })
	if add {
		r.Members = append(r.Members, name)
		err = tx.Put(spaceMember, memberKey(name, g), nil)
	} else {
		err = tx.Delete(spaceMember, memberKey(name, g))
	}
	if err != nil {
		return err
	}
	return putRecord(tx, r)
}

// AddDomain makes a domain (A-label or U-label form) local.
func (d *Directory) AddDomain(ctx context.Context, domain string) error {
	n, err := directory.NormalizeDomain(domain)
	if err != nil {
		return fmt.Errorf("add domain %q: %w", domain, directory.ErrInvalid)
	}
	return d.kv.Update(ctx, func(tx store.Tx) error {
		return tx.Put(spaceDomain, []byte(n), nil)
	})
}

// RemoveDomain stops serving a domain. Addresses in it stay with their
// principals but no longer resolve. Removing a missing domain is not an
// error.
func (d *Directory) RemoveDomain(ctx context.Context, domain string) error {
	n, err := directory.NormalizeDomain(domain)
	if err != nil {
		return fmt.Errorf("remove domain %q: %w", domain, directory.ErrInvalid)
	}
	return d.kv.Update(ctx, func(tx store.Tx) error {
		return tx.Delete(spaceDomain, []byte(n))
	})
}

// Domains lists the local domains in A-label form, ordered.
func (d *Directory) Domains(ctx context.Context) ([]string, error) {
	var out []string
	err := d.kv.View(ctx, func(tx store.Tx) error {
		return tx.Scan(spaceDomain, store.Range{}, func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}
