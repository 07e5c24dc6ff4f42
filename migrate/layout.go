package migrate

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
)

// LayoutOptions configures PlanLayout and ApplyLayout.
type LayoutOptions struct {
	// Logger receives an event per batch; nil discards them.
	Logger *slog.Logger
	// Progress is called after each batch with the records done and the
	// total of the step being run.
	Progress func(store.MigrationProgress)
}

// migrators lists the runners of every component that has layout steps,
// in the order they run.
func migrators(opts LayoutOptions) []*store.Migrator {
	m := mailstore.NewMigrator(logger(opts.Logger))
	m.Progress = opts.Progress
	return []*store.Migrator{m}
}

// PlanLayout says what ApplyLayout would do to the store behind kv: for
// each component, its layout and the program's, the steps, how many
// records the first rewrites, and an estimate of the time. It changes
// nothing: the trial batch that times a step is rolled back. A store
// written by a newer release gives an error wrapping
// store.ErrLayoutTooNew.
func PlanLayout(ctx context.Context, kv store.KV, opts LayoutOptions) ([]store.MigrationPlan, error) {
	var plans []store.MigrationPlan
	for _, m := range migrators(opts) {
		p, err := m.Plan(ctx, kv)
		if err != nil {
			return plans, fmt.Errorf("plan layout: %w", err)
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// ApplyLayout upgrades every component of the store behind kv to the
// layout of this program, in batches, each in its own transaction with
// its checkpoint: a run interrupted by a crash or a cancelled ctx resumes
// where it stopped when called again. The stores must not be open for
// serving while it runs (mailstore.New refuses an old layout).
func ApplyLayout(ctx context.Context, kv store.KV, opts LayoutOptions) error {
	for _, m := range migrators(opts) {
		if err := m.Run(ctx, kv); err != nil {
			return fmt.Errorf("apply layout: %w", err)
		}
	}
	return nil
}

// VerifyReport is what VerifyLayout read and found.
type VerifyReport struct {
	Accounts, Mailboxes, Emails int
	// Problems describes each difference found; empty when none.
	Problems []string
}

// maxVerifyProblems caps VerifyReport.Problems.
const maxVerifyProblems = 50

func (r *VerifyReport) problem(format string, args ...any) {
	if len(r.Problems) < maxVerifyProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// VerifyLayout reads a migrated store back through the public API of
// mailstore: every mailbox, every entry, every email's parsed form and
// stored octets (their count must match the recorded size), and each
// account's full-text index against its emails (mailstore.CheckIndex).
func VerifyLayout(ctx context.Context, mail *mailstore.Store) (VerifyReport, error) {
	var r VerifyReport
	accounts, err := mail.Accounts(ctx)
	if err != nil {
		return r, fmt.Errorf("verify layout: %w", err)
	}
	for _, acct := range accounts {
		r.Accounts++
		if err := verifyAccount(ctx, mail, acct, &r); err != nil {
			return r, fmt.Errorf("verify layout of %s: %w", acct, err)
		}
	}
	return r, nil
}

func verifyAccount(ctx context.Context, mail *mailstore.Store, acct string, r *VerifyReport) error {
	boxes, err := mail.Mailboxes(ctx, acct)
	if err != nil {
		return err
	}
	seen := map[mailstore.EmailID]bool{}
	for _, mb := range boxes {
		r.Mailboxes++
		ents, _, err := mail.List(ctx, acct, mb.ID)
		if err != nil {
			return err
		}
		if uint32(len(ents)) != mb.Total {
			r.problem("%s/%s: %d entries, mailbox counts %d", acct, mb.Name, len(ents), mb.Total)
		}
		for i, e := range ents {
			if i > 0 && e.UID <= ents[i-1].UID {
				r.problem("%s/%s: UID %d after %d", acct, mb.Name, e.UID, ents[i-1].UID)
			}
			if seen[e.EmailID] {
				continue
			}
			seen[e.EmailID] = true
			r.Emails++
			if err := verifyEmail(ctx, mail, acct, e, r); err != nil {
				return err
			}
		}
	}
	ir, err := mail.CheckIndex(ctx, acct)
	if err != nil {
		return err
	}
	for _, p := range ir.Problems {
		r.problem("%s: index: %s", acct, p)
	}
	return nil
}

func verifyEmail(ctx context.Context, mail *mailstore.Store, acct string, e mailstore.Entry,
	r *VerifyReport) error {
	em, err := mail.Email(ctx, acct, e.EmailID)
	switch {
	case err != nil:
		r.problem("%s: email %s: %v", acct, e.EmailID, err)
	case em.Parsed == nil || em.Size != e.Size:
		r.problem("%s: email %s: no parsed form, or size %d against %d", acct, e.EmailID,
			em.Size, e.Size)
	}
	rc, err := mail.Open(ctx, acct, e.EmailID, 0, -1)
	if err != nil {
		r.problem("%s: email %s: open: %v", acct, e.EmailID, err)
		return nil
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	switch {
	case err != nil:
		r.problem("%s: email %s: read: %v", acct, e.EmailID, err)
	case n != e.Size:
		r.problem("%s: email %s: %d octets stored, size says %d", acct, e.EmailID, n, e.Size)
	}
	return nil
}
