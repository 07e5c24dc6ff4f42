package main

import (
	"context"
	"fmt"

	"github.com/bulwarkmail/bulwark/directory"
)

// postmasterAccount returns the account that receives postmaster mail:
// [inbound] postmaster, which must name an account, else the first
// administrator, else the first account, by name; "" when there is none.
func postmasterAccount(ctx context.Context, cfg Config, b *backend) (string, error) {
	if name := cfg.Inbound.Postmaster; name != "" {
		if _, err := b.dir.Lookup(ctx, name); err != nil {
			return "", fmt.Errorf("inbound.postmaster %q: %w", name, err)
		}
		return name, nil
	}
	ps, err := b.dir.ListPrincipals(ctx)
	if err != nil {
		return "", fmt.Errorf("find postmaster: %w", err)
	}
	best, admin := "", false
	for _, p := range ps {
		if p.Type != directory.Individual {
			continue
		}
		a := p.HasRole(directory.RoleAdmin)
		if best == "" || (a && !admin) || (a == admin && p.Name < best) {
			best, admin = p.Name, a
		}
	}
	return best, nil
}
