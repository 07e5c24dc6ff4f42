package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/store"
	"golang.org/x/text/unicode/norm"
)

// Spaces of the store that hold the directory.
const (
	spacePrincipal store.Space = "dir_principal" // name -> record (JSON)
	spaceAddress   store.Space = "dir_address"   // address -> name
	spaceDomain    store.Space = "dir_domain"    // A-label domain -> ""
	spaceMember    store.Space = "dir_member"    // member NUL group -> ""
)

// maxNameLength bounds principal names in octets.
const maxNameLength = 255

// Options configure a local Directory. The zero value is safe.
type Options struct {
	// Directory configures authentication and address resolution.
	Directory directory.Options
}

// Directory is a directory kept in a store.KV. It implements
// directory.Directory (through the embedded Core) and directory.Backend,
// and offers the management calls a host exposes to administrators.
type Directory struct {
	*directory.Core
	kv store.KV
	o  Options
}

var (
	_ directory.Directory = (*Directory)(nil)
	_ directory.Backend   = (*Directory)(nil)
)

// New returns a directory kept in kv. Several Directory values may share
// one store.
func New(ctx context.Context, kv store.KV, o Options) (*Directory, error) {
	if kv == nil {
		return nil, errors.New("local: nil store")
	}
	d := &Directory{kv: kv, o: o}
	d.Core = directory.NewCore(d, o.Directory)
	return d, nil
}

// record is the stored form of a principal.
type record struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	DisplayName string      `json:"display_name,omitempty"`
	Emails      []string    `json:"emails,omitempty"`
	Quota       int64       `json:"quota,omitempty"`
	Members     []string    `json:"members,omitempty"`
	Roles       []string    `json:"roles,omitempty"`
	Secret      string      `json:"secret,omitempty"`
	Apps        []appSecret `json:"apps,omitempty"`
}

func (r *record) principal() *directory.Principal {
	t, _ := directory.ParseType(r.Type)
	return &directory.Principal{
		Name: r.Name, Type: t, DisplayName: r.DisplayName,
		Emails: clone(r.Emails), Quota: r.Quota, Members: clone(r.Members),
		Roles: clone(r.Roles),
	}
}

func clone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// normalizeName returns the stored form of a principal name: trimmed,
// NFC, lower-cased.
func normalizeName(name string) (string, error) {
	n := strings.ToLower(norm.NFC.String(strings.TrimSpace(name)))
	if n == "" || len(n) > maxNameLength {
		return "", fmt.Errorf("name %q: %w", name, directory.ErrInvalid)
	}
	for _, r := range n {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", fmt.Errorf("name %q: %w", name, directory.ErrInvalid)
		}
	}
	return n, nil
}

func getRecord(tx store.Tx, name string) (*record, error) {
	v, err := tx.Get(spacePrincipal, []byte(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, directory.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r := new(record)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("decode principal %q: %w", name, err)
	}
	return r, nil
}

func putRecord(tx store.Tx, r *record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Put(spacePrincipal, []byte(r.Name), v)
}

// memberOf lists the groups and lists that name is a member of.
func memberOf(tx store.Tx, name string) ([]string, error) {
	var groups []string
	prefix := []byte(name + "\x00")
	err := tx.Scan(spaceMember, store.Prefix(prefix), func(k, _ []byte) error {
		groups = append(groups, string(k[len(prefix):]))
		return nil
	})
	return groups, err
}

// Principal returns the principal with the login name (directory.Backend).
func (d *Directory) Principal(ctx context.Context, name string) (*directory.Principal, error) {
	n, err := normalizeName(name)
	if err != nil {
		return nil, directory.ErrNotFound
	}
	var p *directory.Principal
	err = d.kv.View(ctx, func(tx store.Tx) error {
		r, err := getRecord(tx, n)
		if err != nil {
			return err
		}
		p = r.principal()
		p.MemberOf, err = memberOf(tx, n)
		return err
	})
	return p, err
}

// Secrets returns the stored secrets of a principal (directory.Backend).
func (d *Directory) Secrets(ctx context.Context, name string) ([]directory.Secret, error) {
	n, err := normalizeName(name)
	if err != nil {
		return nil, directory.ErrNotFound
	}
	var s []directory.Secret
	err = d.kv.View(ctx, func(tx store.Tx) error {
		r, err := getRecord(tx, n)
		if err != nil {
			return err
		}
		if r.Secret != "" {
			s = append(s, directory.Secret{Hash: r.Secret})
		}
		for _, a := range r.Apps {
			s = append(s, directory.Secret{Hash: a.Hash, App: true, Label: a.Label})
		}
		return nil
	})
	return s, err
}

// ByAddress returns the principal holding a normalised address
// (directory.Backend).
func (d *Directory) ByAddress(ctx context.Context, address string) ([]string, error) {
	var names []string
	err := d.kv.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(spaceAddress, []byte(address))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err == nil {
			names = []string{string(v)}
		}
		return err
	})
	return names, err
}

// HasDomain reports whether an A-label domain is local
// (directory.Backend).
func (d *Directory) HasDomain(ctx context.Context, domain string) (bool, error) {
	var ok bool
	err := d.kv.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(spaceDomain, []byte(domain))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		ok = err == nil
		return err
	})
	return ok, err
}
