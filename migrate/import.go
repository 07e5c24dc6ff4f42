package migrate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
)

// ImportOptions configures Import. The zero value imports everything
// into an empty target.
type ImportOptions struct {
	// Merge allows importing into a target that already holds accounts
	// or principals: existing principals and mailboxes are kept and the
	// messages are added to them.
	Merge bool
	// Progress receives messages done / total; nil for none.
	Progress Progress
	// Logger receives an event per account; nil discards them.
	Logger *slog.Logger
	// CheckpointEvery is how many messages are imported between two
	// checkpoint records. Default 64.
	CheckpointEvery int
	// Workers is how many message files are written to the blob store
	// at once, ahead of the emails created in order. Default 4.
	Workers int
}

// importer carries the state of one import.
type importer struct {
	dst         Target
	dir         string
	opts        ImportOptions
	log         *slog.Logger
	man         Manifest
	cp          checkpoints
	done, total int64
}

// Import reads an export made by Export from dir into dst. The target
// must be empty (no account, no principal) unless opts.Merge is set or
// it holds an unfinished import of the same export, which Import then
// resumes: each step is recorded in the target's KV as it completes, and
// the messages of an account since its last checkpoint are skipped when
// the account already holds them. Mailboxes keep their names, roles,
// subscriptions and sort orders; emails keep their message bytes,
// keywords, received dates and the set of mailboxes holding them. Into
// an empty target, mailboxes also keep their UIDVALIDITY and UIDNEXT and
// emails their UIDs and MODSEQs (RFC 9051 section 2.3.1.1, RFC 7162
// section 3.1), so that IMAP clients keep their caches; with Merge they
// are drawn anew in the order of the UIDs (see FORMAT.md). Queued
// messages, identities and vacation responses go to dst.KV and
// dst.Blobs.
func Import(ctx context.Context, dst Target, dir string, opts ImportOptions) (Manifest, error) {
	if dst.Mail == nil || dst.Blobs == nil || dst.KV == nil {
		return Manifest{}, errors.New("import: Target.Mail, Blobs and KV are required")
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = 64
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	man, err := readManifest(dir)
	if err != nil {
		return man, fmt.Errorf("import: %w", err)
	}
	im := &importer{dst: dst, dir: dir, opts: opts, log: logger(opts.Logger), man: man,
		cp: checkpoints{kv: dst.KV}, total: man.Messages}
	if err := im.begin(ctx); err != nil {
		return man, err
	}
	if err := im.importDirectory(ctx); err != nil {
		return man, err
	}
	names := make([]string, 0, len(man.AccountDirs))
	for a := range man.AccountDirs {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		if !filepath.IsLocal(man.AccountDirs[a]) {
			return man, fmt.Errorf("import account %q: %w", a, ErrBadExport)
		}
		rel := filepath.Join(accountsDir, man.AccountDirs[a])
		if err := im.importAccount(ctx, a, rel); err != nil {
			return man, fmt.Errorf("import account %q: %w", a, err)
		}
	}
	if err := im.importQueue(ctx); err != nil {
		return man, err
	}
	return man, nil
}

// begin refuses a target that is not empty, unless merging or resuming
// this export, and records the export's id.
func (im *importer) begin(ctx context.Context) error {
	run, err := im.cp.get(ctx, "run")
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if string(run) == im.man.ID {
		im.log.Info("resuming import", "export", im.man.ID)
		return nil
	}
	if !im.opts.Merge {
		if err := im.checkEmpty(ctx); err != nil {
			return err
		}
	}
	if err := im.cp.put(ctx, "run", []byte(im.man.ID)); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func (im *importer) checkEmpty(ctx context.Context) error {
	accts, err := im.dst.Mail.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	n := len(accts)
	if im.dst.Directory != nil {
		ps, err := im.dst.Directory.ListPrincipals(ctx)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		n += len(ps)
	}
	if n > 0 {
		return fmt.Errorf("import: %d accounts and principals: %w", n, ErrNotEmpty)
	}
	return nil
}

// importAccount imports one account unless a checkpoint says it is done.
func (im *importer) importAccount(ctx context.Context, account, rel string) error {
	var acct accountJSON
	if err := readJSON(im.dir, filepath.Join(rel, accountFile), &acct, false); err != nil {
		return err
	}
	if v, err := im.cp.get(ctx, "done\x00"+account); err != nil {
		return err
	} else if v != nil {
		im.done += acct.Messages
		report(im.opts.Progress, im.done, im.total)
		return nil
	}
	if err := im.dst.Mail.CreateAccount(ctx, account); err != nil {
		return err
	}
	lines, err := readIndex(filepath.Join(im.dir, rel, messagesFile))
	if err != nil {
		return err
	}
	var mbs []mailboxJSON
	if err := readJSON(im.dir, filepath.Join(rel, mailboxesFile), &mbs, false); err != nil {
		return err
	}
	sort.Slice(mbs, func(i, j int) bool { return mbs[i].Name < mbs[j].Name })
	var ops []exactOp
	exact := false
	if !im.opts.Merge {
		ops, exact = exactPlan(lines, mbs)
	}
	if exact {
		if err := im.dst.Mail.RaiseModSeq(ctx, account, highestModSeq(acct, mbs, lines)); err != nil {
			return err
		}
	}
	ids, err := im.importMailboxes(ctx, account, mbs, exact)
	if err != nil {
		return err
	}
	var n int64
	if exact {
		n, err = im.importExact(ctx, account, lines, ops, ids)
		if err == nil {
			err = im.setUIDNext(ctx, account, mbs, ids)
		}
	} else {
		n, err = im.importMessages(ctx, account, lines, ids)
	}
	if err != nil {
		return err
	}
	if err := im.dst.Mail.SetQuota(ctx, account, acct.MaxBytes, acct.MaxMessages); err != nil {
		return err
	}
	if err := im.importScripts(ctx, account, rel); err != nil {
		return err
	}
	if err := im.importAccountData(ctx, account, rel); err != nil {
		return err
	}
	im.log.Info("account imported", "account", account, "messages", n)
	return im.cp.put(ctx, "done\x00"+account, []byte{1})
}

// importMailboxes creates the account's mailboxes, parents first, and
// returns their ids by name.
func (im *importer) importMailboxes(ctx context.Context, account string, mbs []mailboxJSON,
	exact bool) (map[string]mailstore.MailboxID, error) {
	ids := map[string]mailstore.MailboxID{}
	for _, mj := range mbs {
		mb, err := im.mailbox(ctx, account, mj, exact)
		if err != nil {
			return nil, fmt.Errorf("mailbox %q: %w", mj.Name, err)
		}
		ids[mj.Name] = mb.ID
	}
	return ids, im.dropUnlisted(ctx, account, ids)
}

// mailbox finds or creates one mailbox and sets its properties, with the
// exported UIDVALIDITY when exact. A role another mailbox already holds
// (a default mailbox of a new account under another name) moves to the
// imported one when that mailbox is empty.
func (im *importer) mailbox(ctx context.Context, account string, mj mailboxJSON,
	exact bool) (mailstore.Mailbox, error) {
	m := im.dst.Mail
	var mb mailstore.Mailbox
	var err error
	if exact {
		mb, err = m.CreateMailboxExact(ctx, account, mj.Name, mj.UIDValidity)
	} else {
		mb, err = m.MailboxByName(ctx, account, mj.Name)
		if errors.Is(err, mailstore.ErrNotFound) {
			mb, err = m.CreateMailbox(ctx, account, mj.Name, "")
		}
	}
	if err != nil {
		return mb, err
	}
	if mj.Role != "" && mb.Role != mj.Role {
		if err := im.takeRole(ctx, account, mj.Role); err != nil {
			return mb, err
		}
	}
	role, order := mj.Role, mj.SortOrder
	if role == "" && im.opts.Merge {
		role = mb.Role
	}
	err = m.UpdateMailbox(ctx, account, mb.ID, mailstore.MailboxPatch{Role: &role,
		SortOrder: &order})
	if err != nil {
		return mb, err
	}
	if mb.Subscribed != mj.Subscribed {
		err = m.SetSubscribed(ctx, account, mb.ID, mj.Subscribed)
	}
	return mb, err
}

// takeRole clears a role from the mailbox holding it, if any.
func (im *importer) takeRole(ctx context.Context, account, role string) error {
	other, err := im.dst.Mail.MailboxByRole(ctx, account, role)
	if errors.Is(err, mailstore.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	empty := ""
	return im.dst.Mail.UpdateMailbox(ctx, account, other.ID,
		mailstore.MailboxPatch{Role: &empty})
}

// dropUnlisted deletes the empty mailboxes a new account was created with
// that the export does not list (a fresh import only).
func (im *importer) dropUnlisted(ctx context.Context, account string,
	keep map[string]mailstore.MailboxID) error {
	if im.opts.Merge {
		return nil
	}
	mbs, err := im.dst.Mail.Mailboxes(ctx, account)
	if err != nil {
		return err
	}
	for _, mb := range mbs {
		if _, ok := keep[mb.Name]; ok || mb.Total > 0 || strings.EqualFold(mb.Name,
			mailstore.InboxName) {
			continue
		}
		err := im.dst.Mail.DeleteMailbox(ctx, account, mb.ID)
		if err != nil && !errors.Is(err, mailstore.ErrHasChildren) {
			return err
		}
	}
	return nil
}

// importMessages reads the account's index and imports each email from
// the last checkpoint on.
func (im *importer) importMessages(ctx context.Context, account string, lines []messageJSON,
	ids map[string]mailstore.MailboxID) (int64, error) {
	key := "acct\x00" + account
	start, err := im.cp.count(ctx, key)
	if err != nil {
		return 0, err
	}
	im.done += start
	uses := map[string]int{}
	for _, l := range lines {
		uses[l.Blob]++
	}
	pf := im.startPrefetch(ctx, lines, start, im.opts.Workers)
	defer pf.stop()
	for i := start; i < int64(len(lines)); i++ {
		put, err := pf.next(ctx)
		if err == nil {
			err = put.err
		}
		if err != nil {
			return i, err
		}
		// After a crash the messages past the checkpoint may be in
		// already; a message whose bytes the account holds once is.
		resuming := i < start+int64(im.opts.CheckpointEvery)
		if err := im.importEmail(ctx, account, lines[i], put.hash, ids, resuming &&
			uses[lines[i].Blob] == 1); err != nil {
			return i, err
		}
		im.done++
		report(im.opts.Progress, im.done, im.total)
		if (i+1)%int64(im.opts.CheckpointEvery) == 0 {
			if err := im.cp.setCount(ctx, key, i+1); err != nil {
				return i, err
			}
		}
	}
	return int64(len(lines)), im.cp.setCount(ctx, key, int64(len(lines)))
}

func readIndex(path string) ([]messageJSON, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []messageJSON
	dec := json.NewDecoder(bufio.NewReader(f))
	for dec.More() {
		var l messageJSON
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("read %s: %w: %w", path, ErrBadExport, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// importEmail creates one email from its stored message file.
func (im *importer) importEmail(ctx context.Context, account string, l messageJSON,
	h store.Hash, ids map[string]mailstore.MailboxID, skipIfHeld bool) error {
	if skipIfHeld {
		if held, err := im.dst.Mail.HasBlob(ctx, account, h); err != nil || held {
			return err
		}
	}
	var mboxes []mailstore.MailboxID
	for _, lk := range l.Mailboxes {
		id, ok := ids[lk.Name]
		if !ok {
			return fmt.Errorf("message %s in mailbox %q: %w", l.Blob, lk.Name, ErrBadExport)
		}
		mboxes = append(mboxes, id)
	}
	_, err := im.dst.Mail.Import(ctx, account, h, mboxes, l.Keywords, l.Received)
	return err
}
