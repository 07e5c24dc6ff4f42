package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/bulwarkmail/bulwark/migrate"
)

// exportCommand writes the whole server to dir in the portable format of
// the migrate package.
func exportCommand(ctx context.Context, cfg Config, dir string, out io.Writer,
	log *slog.Logger) error {
	b, err := openBackend(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	m, err := migrate.Export(ctx, migrate.Source{Mail: b.mail, Directory: b.dir, Sieve: b.sieve},
		dir, migrate.ExportOptions{Progress: progressBar(out, "export"), Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nexported %d accounts, %d principals, %d messages to %s\n",
		m.Accounts, m.Principals, m.Messages, dir)
	return nil
}

// importCommand reads an export folder into the (empty) store.
func importCommand(ctx context.Context, cfg Config, dir string, out io.Writer,
	log *slog.Logger) error {
	b, err := openBackend(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	dst := migrate.Target{Mail: b.mail, Blobs: b.blobs, KV: b.kv, Directory: b.dir,
		Sieve: b.sieve}
	m, err := migrate.Import(ctx, dst, dir,
		migrate.ImportOptions{Progress: progressBar(out, "import"), Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nimported %d accounts, %d principals, %d messages from %s\n",
		m.Accounts, m.Principals, m.Messages, dir)
	return nil
}

// progressBar redraws "label: done/total (pct%)" on one line.
func progressBar(out io.Writer, label string) migrate.Progress {
	return func(done, total int64) {
		pct := int64(100)
		if total > 0 {
			pct = done * 100 / total
		}
		fmt.Fprintf(out, "\r%s: %d/%d (%d%%)", label, done, total, pct)
	}
}

// migrateCommand opens the stores, which checks their layout versions:
// a store written by a newer release is refused. This release ships no
// layout change, so an older store needs no step.
func migrateCommand(ctx context.Context, cfg Config, out io.Writer, log *slog.Logger) error {
	b, err := openBackend(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintln(out, "stored layout is current; nothing to migrate")
	return nil
}
