package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/bulwarkmail/bulwark/migrate"
	"github.com/bulwarkmail/bulwark/store"
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
	src := migrate.Source{Mail: b.mail, Directory: b.dir, Sieve: b.sieve, KV: b.kv,
		Blobs: b.blobs}
	m, err := migrate.Export(ctx, src, dir,
		migrate.ExportOptions{Progress: progressBar(out, "export"), Logger: log})
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

// progressBar redraws "label: done/total (pct%)" on one line of a
// terminal; elsewhere (a log, a pipe) it writes a line at each tenth.
func progressBar(out io.Writer, label string) migrate.Progress {
	tty := isTerminal(out)
	last := int64(-1)
	return func(done, total int64) {
		pct := int64(100)
		if total > 0 {
			pct = done * 100 / total
		}
		switch {
		case tty:
			fmt.Fprintf(out, "\r%s: %d/%d (%d%%)", label, done, total, pct)
		case pct/10 != last:
			last = pct / 10
			fmt.Fprintf(out, "%s: %d/%d (%d%%)\n", label, done, total, pct)
		}
	}
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// migrateCommand upgrades the stored layout in place: it prints the plan
// (steps, records, an estimate), stops there with -dry-run, else applies
// it with a progress bar and reads everything back to verify it. A store
// written by a newer release is refused.
func migrateCommand(ctx context.Context, cfg Config, args []string, out io.Writer,
	log *slog.Logger) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(out)
	dryRun := fs.Bool("dry-run", false, "print what would change and stop")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	kv, err := openKV(ctx, cfg)
	if err != nil {
		return err
	}
	plans, err := migrate.PlanLayout(ctx, kv, migrate.LayoutOptions{Logger: log})
	if err != nil {
		kv.Close()
		return err
	}
	pending := false
	for _, p := range plans {
		for _, st := range p.Steps {
			pending = true
			fmt.Fprintf(out, "%s: layout %d -> %d: %s", p.Component, st.From, st.From+1, st.Name)
			if st.Records >= 0 {
				fmt.Fprintf(out, ", %d records", st.Records)
			}
			fmt.Fprintln(out)
		}
		if p.Estimate > 0 {
			fmt.Fprintf(out, "%s: estimated time %s\n", p.Component, p.Estimate.Round(time.Second))
		}
	}
	if !pending {
		kv.Close()
		fmt.Fprintln(out, "stored layout is current; nothing to migrate")
		return nil
	}
	if *dryRun {
		kv.Close()
		fmt.Fprintln(out, "dry run: nothing changed")
		return nil
	}
	bar := progressBar(out, "migrate")
	err = migrate.ApplyLayout(ctx, kv, migrate.LayoutOptions{Logger: log,
		Progress: func(p store.MigrationProgress) { bar(p.Done, p.Total) }})
	fmt.Fprintln(out)
	if err := errors.Join(err, kv.Close()); err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	rep, err := migrate.VerifyLayout(ctx, b.mail)
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("verify after migration: %d problems, first: %s",
			len(rep.Problems), rep.Problems[0])
	}
	fmt.Fprintf(out, "migrated and verified: %d accounts, %d mailboxes, %d emails\n",
		rep.Accounts, rep.Mailboxes, rep.Emails)
	return nil
}
