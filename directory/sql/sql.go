package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
)

// Queries read principals from the host's tables. Each query takes one
// parameter, written in the driver's placeholder syntax ($1 for
// PostgreSQL, ? for MySQL and SQLite); a query that needs the value twice
// uses a sub-select. Addresses are passed normalised (see
// directory.Backend); a query may compare them with lower() when the
// table holds mixed case.
type Queries struct {
	// Principal selects the principal with a login name. Its columns are
	// matched by name: name (required), and any of type ("individual",
	// "group", "list", "domain"), display_name, quota, roles (separated
	// by commas or spaces).
	Principal string
	// Emails selects the addresses of a principal (first column), the
	// primary address first. "@domain" makes it the domain's catch-all.
	Emails string
	// ByAddress selects the names of the principals that hold an address
	// (first column); "@domain" asks for the catch-all.
	ByAddress string
	// Members selects the members of a group or list (first column):
	// principal names or addresses. Empty: principals have no members.
	Members string
	// MemberOf selects the groups and lists a principal belongs to (first
	// column). Empty: MemberOf stays empty.
	MemberOf string
	// Secrets selects the stored secrets of a principal (first column),
	// in any form package password reads.
	Secrets string
	// Domain returns a row when a domain is served here.
	Domain string
}

// Options configure a SQL directory.
type Options struct {
	// Queries are required but for Members and MemberOf.
	Queries Queries
	// Directory configures authentication and address resolution.
	Directory directory.Options
}

// Directory reads principals from SQL tables. It implements
// directory.Directory through the embedded Core and directory.Backend.
type Directory struct {
	*directory.Core
	db *stdsql.DB
	q  Queries
}

var (
	_ directory.Directory = (*Directory)(nil)
	_ directory.Backend   = (*Directory)(nil)
)

// New returns a directory over db, which the host opens and closes. It
// checks that the required queries are set.
func New(ctx context.Context, db *stdsql.DB, o Options) (*Directory, error) {
	q := o.Queries
	if db == nil {
		return nil, errors.New("sql directory: nil database")
	}
	for name, s := range map[string]string{"Principal": q.Principal, "Emails": q.Emails,
		"ByAddress": q.ByAddress, "Secrets": q.Secrets, "Domain": q.Domain} {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("sql directory: query %s is required", name)
		}
	}
	d := &Directory{db: db, q: q}
	d.Core = directory.NewCore(d, o.Directory)
	return d, nil
}

// column returns the first column of every row of a query.
func (d *Directory) column(ctx context.Context, query, arg string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v stdsql.NullString
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if v.Valid && v.String != "" {
			out = append(out, v.String)
		}
	}
	return out, rows.Err()
}

// Principal returns the principal with the login name (directory.Backend).
func (d *Directory) Principal(ctx context.Context, name string) (*directory.Principal, error) {
	p, err := d.principalRow(ctx, name)
	if err != nil {
		return nil, err
	}
	if p.Emails, err = d.column(ctx, d.q.Emails, p.Name); err != nil {
		return nil, fmt.Errorf("query emails of %q: %w", p.Name, err)
	}
	if d.q.Members != "" {
		if p.Members, err = d.column(ctx, d.q.Members, p.Name); err != nil {
			return nil, fmt.Errorf("query members of %q: %w", p.Name, err)
		}
	}
	if d.q.MemberOf != "" {
		if p.MemberOf, err = d.column(ctx, d.q.MemberOf, p.Name); err != nil {
			return nil, fmt.Errorf("query groups of %q: %w", p.Name, err)
		}
	}
	return p, nil
}

// principalRow reads the Principal query's one row by column names.
func (d *Directory) principalRow(ctx context.Context, name string) (*directory.Principal, error) {
	rows, err := d.db.QueryContext(ctx, d.q.Principal, name)
	if err != nil {
		return nil, fmt.Errorf("query principal %q: %w", name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("query principal %q: %w", name, err)
		}
		return nil, directory.ErrNotFound
	}
	vals := make([]stdsql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("scan principal %q: %w", name, err)
	}
	p := &directory.Principal{}
	for i, c := range cols {
		if err := setField(p, strings.ToLower(c), vals[i].String); err != nil {
			return nil, fmt.Errorf("principal %q: %w", name, err)
		}
	}
	if p.Name == "" {
		return nil, fmt.Errorf("principal %q: query gave no name column", name)
	}
	return p, nil
}

func setField(p *directory.Principal, col, v string) error {
	switch col {
	case "name":
		p.Name = v
	case "type":
		t, ok := directory.ParseType(v)
		if !ok {
			return fmt.Errorf("unknown type %q", v)
		}
		p.Type = t
	case "display_name", "description":
		p.DisplayName = v
	case "quota":
		if v == "" {
			return nil
		}
		q, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("quota %q: %w", v, err)
		}
		p.Quota = q
	case "roles":
		p.Roles = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return nil
}

// Secrets returns the stored secrets of a principal (directory.Backend).
func (d *Directory) Secrets(ctx context.Context, name string) ([]directory.Secret, error) {
	if _, err := d.principalRow(ctx, name); err != nil {
		return nil, err
	}
	hashes, err := d.column(ctx, d.q.Secrets, name)
	if err != nil {
		return nil, fmt.Errorf("query secrets of %q: %w", name, err)
	}
	out := make([]directory.Secret, len(hashes))
	for i, h := range hashes {
		out[i] = directory.Secret{Hash: h}
	}
	return out, nil
}

// ByAddress returns the principals holding an address (directory.Backend).
func (d *Directory) ByAddress(ctx context.Context, address string) ([]string, error) {
	names, err := d.column(ctx, d.q.ByAddress, address)
	if err != nil {
		return nil, fmt.Errorf("query address %q: %w", address, err)
	}
	return names, nil
}

// HasDomain reports whether a domain is served (directory.Backend).
func (d *Directory) HasDomain(ctx context.Context, domain string) (bool, error) {
	rows, err := d.db.QueryContext(ctx, d.q.Domain, domain)
	if err != nil {
		return false, fmt.Errorf("query domain %q: %w", domain, err)
	}
	defer rows.Close()
	ok := rows.Next()
	return ok, rows.Err()
}
