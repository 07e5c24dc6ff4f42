package migrate

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/bulwarkmail/bulwark/directory"
)

// exportDirectory writes the principals and domains. With chosen
// accounts, only their principals and the groups and lists they belong
// to are written; domains are always written whole.
func (e *exporter) exportDirectory(ctx context.Context, accounts []string) error {
	d := e.src.Directory
	if d == nil {
		return nil
	}
	ps, err := d.ListPrincipals(ctx)
	if err != nil {
		return fmt.Errorf("export principals: %w", err)
	}
	keep := map[string]bool{}
	for _, a := range accounts {
		keep[a] = true
	}
	for _, p := range ps {
		if keep[p.Name] {
			for _, g := range p.MemberOf {
				keep[g] = true
			}
		}
	}
	out := []principalJSON{}
	for _, p := range ps {
		if len(e.opts.Accounts) > 0 && !keep[p.Name] {
			continue
		}
		pj, err := e.principal(ctx, p)
		if err != nil {
			return err
		}
		out = append(out, pj)
	}
	if err := writeJSON(e.dir, principalsFile, out); err != nil {
		return fmt.Errorf("export principals: %w", err)
	}
	doms, err := d.Domains(ctx)
	if err != nil {
		return fmt.Errorf("export domains: %w", err)
	}
	if doms == nil {
		doms = []string{}
	}
	if err := writeJSON(e.dir, domainsFile, doms); err != nil {
		return fmt.Errorf("export domains: %w", err)
	}
	e.man.Principals, e.man.Domains = len(out), len(doms)
	return nil
}

// principal converts a principal with its secrets.
func (e *exporter) principal(ctx context.Context, p directory.Principal) (principalJSON, error) {
	pj := principalJSON{Name: p.Name, Type: p.Type.String(), DisplayName: p.DisplayName,
		Emails: p.Emails, Quota: p.Quota, MemberOf: p.MemberOf, Members: p.Members,
		Roles: p.Roles}
	secrets, err := e.src.Directory.Secrets(ctx, p.Name)
	if err != nil {
		return pj, fmt.Errorf("export principal %q: %w", p.Name, err)
	}
	for _, s := range secrets {
		if s.App {
			pj.AppPasswords = append(pj.AppPasswords, appJSON{Label: s.Label, Hash: s.Hash})
		} else {
			pj.Secret = s.Hash
		}
	}
	return pj, nil
}

// exportScripts writes an account's Sieve scripts and which is active.
func (e *exporter) exportScripts(ctx context.Context, account, rel string) error {
	s := e.src.Sieve
	if s == nil {
		return nil
	}
	infos, err := s.List(ctx, account)
	if err != nil {
		return err
	}
	out := []scriptJSON{}
	for i, info := range infos {
		src, err := s.Get(ctx, account, info.Name)
		if err != nil {
			return err
		}
		file := filepath.Join(sieveDir, strconv.Itoa(i+1)+".sieve")
		if err := writeFileAtomic(filepath.Join(e.dir, rel, file), []byte(src)); err != nil {
			return err
		}
		out = append(out, scriptJSON{Name: info.Name, File: filepath.ToSlash(file),
			Active: info.Active})
	}
	e.man.Scripts += len(out)
	return writeJSON(e.dir, filepath.Join(rel, sieveFile), slices.Clip(out))
}
