package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
)

// accountCommand carries out "account add ADDRESS PASSWORD" and
// "account list".
func accountCommand(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	b, err := openBackend(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer b.Close()
	switch {
	case args[0] == "add" && len(args) == 3:
		return addAccount(ctx, b, args[1], args[2], out)
	case args[0] == "list" && len(args) == 1:
		return listAccounts(ctx, b, out)
	}
	return errUsage
}

func addAccount(ctx context.Context, b *backend, address, password string, out io.Writer) error {
	_, domain, ok := strings.Cut(address, "@")
	if !ok || domain == "" {
		return fmt.Errorf("account add: %q is not an address", address)
	}
	if password == "" {
		return fmt.Errorf("account add: an empty password would never log in")
	}
	p := directory.Principal{
		Name:   address,
		Type:   directory.Individual,
		Emails: []string{address},
		Roles:  []string{directory.RoleUser},
	}
	if err := b.dir.CreatePrincipal(ctx, p, password); err != nil {
		return fmt.Errorf("account add: %w", err)
	}
	if err := b.mail.CreateAccount(ctx, address); err != nil {
		return fmt.Errorf("account add: %w", err)
	}
	fmt.Fprintf(out, "added %s\n", address)
	return nil
}

func listAccounts(ctx context.Context, b *backend, out io.Writer) error {
	ps, err := b.dir.ListPrincipals(ctx)
	if err != nil {
		return fmt.Errorf("account list: %w", err)
	}
	for _, p := range ps {
		if p.Type != directory.Individual {
			continue
		}
		fmt.Fprintf(out, "%s\t%s\n", p.Name, strings.Join(p.Emails, ","))
	}
	return nil
}
