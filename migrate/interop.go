package migrate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// MailOptions configures ImportMbox, ImportMaildir and ExportMaildir. The
// zero value is usable.
type MailOptions struct {
	// Keywords are added to every imported message (for example
	// "$seen" for an archive).
	Keywords []string
	// Mbox configures the mbox reader of ImportMbox.
	Mbox MboxOptions
	// Progress receives the messages done so far; total is 0 when not
	// known in advance.
	Progress Progress
	// Logger receives an event per folder; nil discards them.
	Logger *slog.Logger
}

// ImportMbox imports every message of the mbox file r into the mailbox
// named mailbox of account (both created if missing). Each message keeps
// the date of its "From " line as its received date; a message whose
// line has none takes that of its topmost Received header field. The
// Status and X-Status header fields that mbox readers write give the
// keywords (see statusScanner), added to opts.Keywords; the fields stay
// in the message. It returns the number of messages imported.
func ImportMbox(ctx context.Context, dst Target, account, mailbox string, r io.Reader,
	opts MailOptions) (int64, error) {
	mb, err := ensureMailbox(ctx, dst.Mail, account, mailbox)
	if err != nil {
		return 0, fmt.Errorf("import mbox: %w", err)
	}
	mr := NewMboxReader(r, opts.Mbox)
	var n int64
	for {
		msg, err := mr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("import mbox message %d: %w", n+1, err)
		}
		err = importMboxMessage(ctx, dst, account, mb.ID, msg, opts.Keywords)
		if err != nil {
			return n, fmt.Errorf("import mbox message %d: %w", n+1, err)
		}
		n++
		report(opts.Progress, n, 0)
	}
	logger(opts.Logger).Info("mbox imported", "account", account, "mailbox", mailbox,
		"messages", n)
	return n, nil
}

// importMboxMessage stores one mbox message with the keywords of its
// Status and X-Status header fields.
func importMboxMessage(ctx context.Context, dst Target, account string,
	mbox mailstore.MailboxID, msg *MboxMessage, kws []string) error {
	sc := newStatusScanner(msg)
	h, _, err := dst.Blobs.Put(ctx, sc)
	if err != nil {
		return err
	}
	kws = append(sc.keywords(), kws...)
	_, err = dst.Mail.Import(ctx, account, h, []mailstore.MailboxID{mbox}, kws, msg.Date)
	return err
}

// ensureMailbox creates the account and the mailbox if they are missing.
func ensureMailbox(ctx context.Context, m *mailstore.Store, account, name string,
) (mailstore.Mailbox, error) {
	if err := m.CreateAccount(ctx, account); err != nil {
		return mailstore.Mailbox{}, err
	}
	mb, err := m.MailboxByName(ctx, account, name)
	if errors.Is(err, mailstore.ErrNotFound) {
		mb, err = m.CreateMailbox(ctx, account, name, "")
	}
	return mb, err
}

// importOne stores a message in the blob store and creates its email.
func importOne(ctx context.Context, dst Target, account string, mbox mailstore.MailboxID,
	r io.Reader, kws []string, received time.Time) error {
	h, _, err := dst.Blobs.Put(ctx, r)
	if err != nil {
		return err
	}
	_, err = dst.Mail.Import(ctx, account, h, []mailstore.MailboxID{mbox}, kws, received)
	return err
}

// ImportMaildir imports a Maildir++ tree into account: root's cur and new
// into INBOX, each ".Sub.Folder" beside them into "Sub/Folder". Flags
// come from the ":2," info of each file name (and Dovecot's
// dovecot-keywords for custom keywords), the received date from the
// file's modification time, as Maildir servers keep it. Messages of a
// folder are imported in the order of their names, which start with the
// time of delivery. It returns the number of messages imported.
func ImportMaildir(ctx context.Context, dst Target, account, root string,
	opts MailOptions) (int64, error) {
	folders := map[string]string{mailstore.InboxName: root}
	entries, err := os.ReadDir(root)
	if err != nil {
		return 0, fmt.Errorf("import maildir: %w", err)
	}
	for _, e := range entries {
		if name, ok := maildirFolderName(e.Name()); ok && e.IsDir() {
			folders[name] = filepath.Join(root, e.Name())
		}
	}
	names := make([]string, 0, len(folders))
	for n := range folders {
		names = append(names, n)
	}
	sort.Strings(names)
	var n int64
	for _, name := range names {
		c, err := importMaildirFolder(ctx, dst, account, name, folders[name], n, opts)
		n += c
		if err != nil {
			return n, fmt.Errorf("import maildir folder %q: %w", name, err)
		}
		logger(opts.Logger).Info("maildir folder imported", "account", account,
			"mailbox", name, "messages", c)
	}
	return n, nil
}

// importMaildirFolder imports the cur and new files of one folder.
func importMaildirFolder(ctx context.Context, dst Target, account, name, dir string,
	before int64, opts MailOptions) (int64, error) {
	mb, err := ensureMailbox(ctx, dst.Mail, account, name)
	if err != nil {
		return 0, err
	}
	custom := readDovecotKeywords(dir)
	var files []string
	for _, sub := range []string{"cur", "new"} {
		es, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		for _, e := range es {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(sub, e.Name()))
			}
		}
	}
	sort.Slice(files, func(i, j int) bool {
		return filepath.Base(files[i]) < filepath.Base(files[j])
	})
	var n int64
	for _, f := range files {
		_, flags, ok := ParseMaildirName(filepath.Base(f))
		if !ok {
			continue
		}
		kws := append(MaildirKeywords(flags, custom), opts.Keywords...)
		if err := importMaildirFile(ctx, dst, account, mb.ID, filepath.Join(dir, f),
			kws); err != nil {
			return n, fmt.Errorf("%s: %w", f, err)
		}
		n++
		report(opts.Progress, before+n, 0)
	}
	return n, nil
}

func importMaildirFile(ctx context.Context, dst Target, account string,
	mbox mailstore.MailboxID, path string, kws []string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return importOne(ctx, dst, account, mbox, bufio.NewReaderSize(f, 64<<10), kws,
		st.ModTime())
}

// ExportMaildir writes an account as a Maildir++ tree under root: INBOX
// in root's cur, each other mailbox "A/B" in ".A.B/cur", one file per
// message named "<received>.<email id>.bulwark:2,<flags>" with the
// received date as its modification time. A mailbox whose name holds a
// "." cannot be written (Maildir++ uses it as its delimiter) and fails
// with mailstore.ErrInvalidName. It returns the number of files written.
func ExportMaildir(ctx context.Context, src *mailstore.Store, account, root string,
	opts MailOptions) (int64, error) {
	mbs, err := src.Mailboxes(ctx, account)
	if err != nil {
		return 0, fmt.Errorf("export maildir: %w", err)
	}
	var n int64
	for _, mb := range mbs {
		dir, err := maildirFolderDir(root, mb.Name)
		if err != nil {
			return n, fmt.Errorf("export maildir: %w", err)
		}
		c, err := exportMaildirFolder(ctx, src, account, mb.ID, dir, n, opts)
		n += c
		if err != nil {
			return n, fmt.Errorf("export maildir folder %q: %w", mb.Name, err)
		}
	}
	return n, nil
}

// maildirFolderDir is the folder of a mailbox in a Maildir++ tree.
func maildirFolderDir(root, name string) (string, error) {
	if strings.EqualFold(name, mailstore.InboxName) {
		return root, nil
	}
	if strings.Contains(name, ".") {
		return "", fmt.Errorf("mailbox %q: %w", name, mailstore.ErrInvalidName)
	}
	return filepath.Join(root, "."+strings.ReplaceAll(name, string(mailstore.Delimiter),
		".")), nil
}

// exportMaildirFolder writes the messages of one mailbox.
func exportMaildirFolder(ctx context.Context, src *mailstore.Store, account string,
	id mailstore.MailboxID, dir string, before int64, opts MailOptions) (int64, error) {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return 0, err
		}
	}
	ents, _, err := src.List(ctx, account, id)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range ents {
		name := fmt.Sprintf("%d.%s.bulwark:2,%s", e.Received.Unix(), e.EmailID,
			maildirFlagLetters(e.Keywords))
		path := filepath.Join(dir, "cur", name)
		rc, err := src.Open(ctx, account, e.EmailID, 0, -1)
		if err != nil {
			return n, err
		}
		err = copyToFile(path, rc)
		rc.Close()
		if err == nil {
			err = os.Chtimes(path, e.Received, e.Received)
		}
		if err != nil {
			return n, err
		}
		n++
		report(opts.Progress, before+n, 0)
	}
	return n, nil
}
