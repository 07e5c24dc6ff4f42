package migrate

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/bulwarkmail/bulwark/directory"
)

// importDirectory creates the principals, their secrets and memberships,
// and the domains, once per import.
func (im *importer) importDirectory(ctx context.Context) error {
	d := im.dst.Directory
	if d == nil {
		return nil
	}
	if v, err := im.cp.get(ctx, "dir"); err != nil || v != nil {
		return err
	}
	var ps []principalJSON
	var doms []string
	if err := readJSON(im.dir, principalsFile, &ps, true); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := readJSON(im.dir, domainsFile, &doms, true); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, dom := range doms {
		if err := d.AddDomain(ctx, dom); err != nil {
			return fmt.Errorf("import domain %q: %w", dom, err)
		}
	}
	// Groups must exist before members join them: create every
	// principal first, then set memberships.
	for _, pj := range ps {
		if err := im.createPrincipal(ctx, pj); err != nil {
			return fmt.Errorf("import principal %q: %w", pj.Name, err)
		}
	}
	for _, pj := range ps {
		if len(pj.MemberOf) == 0 {
			continue
		}
		p := principalOf(pj)
		p.MemberOf = pj.MemberOf
		if err := d.UpdatePrincipal(ctx, p); err != nil {
			return fmt.Errorf("import principal %q: %w", pj.Name, err)
		}
	}
	im.log.Info("directory imported", "principals", len(ps), "domains", len(doms))
	return im.cp.put(ctx, "dir", []byte{1})
}

func principalOf(pj principalJSON) directory.Principal {
	t, _ := directory.ParseType(pj.Type)
	return directory.Principal{Name: pj.Name, Type: t, DisplayName: pj.DisplayName,
		Emails: pj.Emails, Quota: pj.Quota, Members: pj.Members, Roles: pj.Roles}
}

// createPrincipal creates a principal (or keeps an existing one) and
// gives it the exported password hash and the app passwords it lacks.
func (im *importer) createPrincipal(ctx context.Context, pj principalJSON) error {
	d := im.dst.Directory
	err := d.CreatePrincipal(ctx, principalOf(pj), "")
	if err != nil && !errors.Is(err, directory.ErrExists) {
		return err
	}
	if pj.Secret != "" {
		if err := d.SetSecret(ctx, pj.Name, pj.Secret); err != nil {
			return err
		}
	}
	have, err := d.Secrets(ctx, pj.Name)
	if err != nil {
		return err
	}
	for _, a := range pj.AppPasswords {
		held := slices.ContainsFunc(have, func(s directory.Secret) bool {
			return s.App && s.Hash == a.Hash
		})
		if held {
			continue
		}
		if _, err := d.ImportAppPassword(ctx, pj.Name, a.Label, a.Hash); err != nil {
			return err
		}
	}
	return nil
}

// importScripts stores an account's Sieve scripts and activates the one
// that was active.
func (im *importer) importScripts(ctx context.Context, account, rel string) error {
	s := im.dst.Sieve
	if s == nil {
		return nil
	}
	var scripts []scriptJSON
	if err := readJSON(im.dir, filepath.Join(rel, sieveFile), &scripts, true); err != nil {
		return err
	}
	for _, sj := range scripts {
		src, err := readFile(im.dir, filepath.Join(rel, filepath.FromSlash(sj.File)))
		if err != nil {
			return err
		}
		if _, err := s.Put(ctx, account, sj.Name, string(src)); err != nil {
			return fmt.Errorf("script %q: %w", sj.Name, err)
		}
		if sj.Active {
			if err := s.Activate(ctx, account, sj.Name); err != nil {
				return fmt.Errorf("script %q: %w", sj.Name, err)
			}
		}
	}
	return nil
}
