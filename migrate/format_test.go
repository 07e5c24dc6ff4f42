package migrate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportRecordsIMAPState checks that the export holds the UIDVALIDITY,
// UIDNEXT, UIDs and MODSEQs of the source, and each message file once.
func TestExportRecordsIMAPState(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 1, 12)
	dir := t.TempDir()
	man, err := Export(ctx, src.source(), dir, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	acct := "user0@example.test"
	rel := filepath.Join(accountsDir, man.AccountDirs[acct])
	var mbs []mailboxJSON
	if err := readJSON(dir, filepath.Join(rel, mailboxesFile), &mbs, false); err != nil {
		t.Fatal(err)
	}
	lines, err := readIndex(filepath.Join(dir, rel, messagesFile))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(lines)) != man.Messages || man.Blobs != man.Messages {
		t.Errorf("%d lines, manifest %+v", len(lines), man)
	}
	uids := map[string]map[uint32]uint64{}
	for _, l := range lines {
		if _, err := os.Stat(filepath.Join(dir, blobPath(l.Blob))); err != nil {
			t.Error(err)
		}
		for _, lk := range l.Mailboxes {
			if uids[lk.Name] == nil {
				uids[lk.Name] = map[uint32]uint64{}
			}
			uids[lk.Name][lk.UID] = lk.ModSeq
		}
	}
	for _, mj := range mbs {
		mb, err := src.mail.MailboxByName(ctx, acct, mj.Name)
		if err != nil {
			t.Fatal(err)
		}
		if mb.UIDValidity != mj.UIDValidity || mb.UIDNext != mj.UIDNext ||
			mb.HighestModSeq != mj.HighestModSeq {
			t.Errorf("%s: exported %+v, source %+v", mj.Name, mj, mb)
		}
		ents, _, err := src.mail.List(ctx, acct, mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if q, ok := uids[mj.Name][e.UID]; !ok || q != e.ModSeq {
				t.Errorf("%s UID %d: exported MODSEQ %d (%v), source %d", mj.Name, e.UID,
					q, ok, e.ModSeq)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil || !strings.Contains(string(b), `"format": "bulwark-export"`) {
		t.Errorf("manifest: %s %v", b, err)
	}
}
