package migrate

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// ExportOptions configures Export. The zero value exports every account.
type ExportOptions struct {
	// Accounts limits the export to these accounts (and their
	// principals); empty means all.
	Accounts []string
	// Progress receives messages done / total; nil for none.
	Progress Progress
	// Logger receives an event per account; nil discards them.
	Logger *slog.Logger
	// Now returns the time recorded in the manifest; nil uses time.Now.
	Now func() time.Time
}

// exporter carries the state of one export.
type exporter struct {
	src         Source
	dir         string
	opts        ExportOptions
	log         *slog.Logger
	man         Manifest
	blobs       map[string]bool
	done, total int64
}

// emailBatch is how many emails are read in one snapshot.
const emailBatch = 256

// Export writes the accounts of src, their principals and domains to dir
// in the format FORMAT.md describes, creating dir if needed, with the
// identities and vacation responses of the accounts and, when every
// account is exported, the messages pending delivery in the queue (both
// when src.KV and src.Blobs are set). Each message
// file is written once however many accounts hold it; files already in
// dir from an interrupted export of the same store are kept. The
// manifest is written last. It returns the manifest written.
func Export(ctx context.Context, src Source, dir string, opts ExportOptions) (Manifest, error) {
	if src.Mail == nil {
		return Manifest{}, errors.New("export: Source.Mail is required")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	e := &exporter{src: src, dir: dir, opts: opts, log: logger(opts.Logger),
		blobs: map[string]bool{}}
	e.man = Manifest{Format: FormatName, Version: FormatVersion, ID: newID(),
		Created: now().UTC(), AccountDirs: map[string]string{}}
	accounts, err := e.accounts(ctx)
	if err != nil {
		return Manifest{}, err
	}
	if err := e.exportDirectory(ctx, accounts); err != nil {
		return Manifest{}, err
	}
	plans := make([][]mailstore.EmailID, len(accounts))
	for i, a := range accounts {
		if plans[i], err = e.plan(ctx, a); err != nil {
			return Manifest{}, err
		}
		e.total += int64(len(plans[i]))
	}
	for i, a := range accounts {
		d := fmt.Sprintf("%06d", i+1)
		e.man.AccountDirs[a] = d
		if err := e.exportAccount(ctx, a, filepath.Join(accountsDir, d), plans[i]); err != nil {
			return Manifest{}, err
		}
	}
	if err := e.exportQueue(ctx); err != nil {
		return Manifest{}, err
	}
	e.man.Accounts = len(accounts)
	if err := writeJSON(dir, manifestFile, e.man); err != nil {
		return Manifest{}, fmt.Errorf("export: %w", err)
	}
	return e.man, nil
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accounts returns the accounts to export, checking that chosen ones
// exist.
func (e *exporter) accounts(ctx context.Context) ([]string, error) {
	all, err := e.src.Mail.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if len(e.opts.Accounts) == 0 {
		return all, nil
	}
	var out []string
	for _, a := range e.opts.Accounts {
		if !slices.Contains(all, a) {
			return nil, fmt.Errorf("export account %q: %w", a, mailstore.ErrNotFound)
		}
		out = append(out, a)
	}
	return out, nil
}

// plan lists the emails of an account once each, in the order of the
// mailboxes and then of UIDs, so that import recreates them in order.
func (e *exporter) plan(ctx context.Context, account string) ([]mailstore.EmailID, error) {
	mbs, err := e.src.Mail.Mailboxes(ctx, account)
	if err != nil {
		return nil, fmt.Errorf("export account %q: %w", account, err)
	}
	seen := map[mailstore.EmailID]bool{}
	var out []mailstore.EmailID
	for _, mb := range mbs {
		ents, _, err := e.src.Mail.List(ctx, account, mb.ID)
		if err != nil {
			return nil, fmt.Errorf("export account %q: %w", account, err)
		}
		for _, ent := range ents {
			if !seen[ent.EmailID] {
				seen[ent.EmailID] = true
				out = append(out, ent.EmailID)
			}
		}
	}
	return out, nil
}

// exportAccount writes one account's folder.
func (e *exporter) exportAccount(ctx context.Context, account, rel string,
	ids []mailstore.EmailID) error {
	mbs, err := e.src.Mail.Mailboxes(ctx, account)
	if err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	names := make(map[mailstore.MailboxID]string, len(mbs))
	out := make([]mailboxJSON, 0, len(mbs))
	links := map[mailstore.EmailID][]linkJSON{}
	for _, mb := range mbs {
		names[mb.ID] = mb.Name
		ents, _, err := e.src.Mail.List(ctx, account, mb.ID)
		if err != nil {
			return fmt.Errorf("export account %q: %w", account, err)
		}
		for _, ent := range ents {
			links[ent.EmailID] = append(links[ent.EmailID],
				linkJSON{Name: mb.Name, UID: ent.UID, ModSeq: ent.ModSeq})
		}
		out = append(out, mailboxJSON{Name: mb.Name, Role: mb.Role,
			Subscribed: mb.Subscribed, SortOrder: mb.SortOrder, UIDValidity: mb.UIDValidity,
			UIDNext: mb.UIDNext, HighestModSeq: mb.HighestModSeq})
	}
	if err := writeJSON(e.dir, filepath.Join(rel, mailboxesFile), out); err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	if err := e.exportMessages(ctx, account, rel, ids, names, links); err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	q, err := e.src.Mail.Quota(ctx, account)
	if err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	high, err := e.src.Mail.HighestModSeq(ctx, account)
	if err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	acct := accountJSON{Name: account, MaxBytes: q.MaxBytes, MaxMessages: q.MaxMessages,
		Messages: int64(len(ids)), HighestModSeq: high}
	if err := writeJSON(e.dir, filepath.Join(rel, accountFile), acct); err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	if err := e.exportScripts(ctx, account, rel); err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	if err := e.exportAccountData(ctx, account, rel); err != nil {
		return fmt.Errorf("export account %q: %w", account, err)
	}
	e.log.Info("account exported", "account", account, "messages", len(ids),
		"mailboxes", len(mbs))
	return nil
}

// exportMessages writes the index of an account and the message files it
// names.
func (e *exporter) exportMessages(ctx context.Context, account, rel string,
	ids []mailstore.EmailID, names map[mailstore.MailboxID]string,
	links map[mailstore.EmailID][]linkJSON) error {
	path := filepath.Join(e.dir, rel, messagesFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for start := 0; start < len(ids); start += emailBatch {
		batch := ids[start:min(start+emailBatch, len(ids))]
		ems, err := e.src.Mail.Emails(ctx, account, batch)
		if err != nil {
			return err
		}
		for _, em := range ems {
			if em == nil {
				continue // destroyed since the plan
			}
			if err := e.exportEmail(ctx, account, em, names, links[em.ID],
				enc); err != nil {
				return err
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// exportEmail writes an email's message file if not yet written and its
// line of the index.
// The links listed with the mailboxes carry the MODSEQs; an email changed
// since then takes its mailboxes from its own record.
func (e *exporter) exportEmail(ctx context.Context, account string, em *mailstore.Email,
	names map[mailstore.MailboxID]string, links []linkJSON, enc *json.Encoder) error {
	hash := em.Blob.String()
	if err := e.writeBlob(ctx, account, em, hash); err != nil {
		return err
	}
	line := messageJSON{Blob: hash, Size: em.Size, Received: em.Received.UTC(),
		Keywords: em.Keywords, Mailboxes: links}
	if len(links) != len(em.Mailboxes) {
		line.Mailboxes = nil
		for id, uid := range em.Mailboxes {
			line.Mailboxes = append(line.Mailboxes, linkJSON{Name: names[id], UID: uid})
		}
		slices.SortFunc(line.Mailboxes, func(a, b linkJSON) int {
			return cmpStr(a.Name, b.Name)
		})
	}
	e.man.Messages++
	e.done++
	report(e.opts.Progress, e.done, e.total)
	return enc.Encode(line)
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeBlob copies a message to its file once.
func (e *exporter) writeBlob(ctx context.Context, account string, em *mailstore.Email,
	hash string) error {
	if e.blobs[hash] {
		return nil
	}
	path := filepath.Join(e.dir, blobPath(hash))
	if st, err := os.Stat(path); err == nil && st.Size() == em.Size {
		e.blobs[hash] = true
		e.countBlob(em.Size)
		return nil
	}
	rc, err := e.src.Mail.Open(ctx, account, em.ID, 0, -1)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := copyToFile(path, rc); err != nil {
		return err
	}
	e.blobs[hash] = true
	e.countBlob(em.Size)
	return nil
}

func (e *exporter) countBlob(size int64) {
	e.man.Blobs++
	e.man.Bytes += size
}

// copyToFile streams r into path through a temporary file.
func copyToFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
