package migrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExactPlanCrossedOrder plans two emails whose UIDs order them one
// way in INBOX and the other way in Lists: each mailbox still receives
// ascending UIDs, and each email is created once.
func TestExactPlanCrossedOrder(t *testing.T) {
	mbs := []mailboxJSON{{Name: "INBOX", UIDValidity: 7}, {Name: "Lists", UIDValidity: 8}}
	lines := []messageJSON{
		{Blob: "e", Mailboxes: []linkJSON{{Name: "INBOX", UID: 3}, {Name: "Lists", UID: 9}}},
		{Blob: "f", Mailboxes: []linkJSON{{Name: "INBOX", UID: 5}, {Name: "Lists", UID: 2}}},
		{Blob: "g", Mailboxes: []linkJSON{{Name: "Lists", UID: 4}}},
	}
	ops, ok := exactPlan(lines, mbs)
	if !ok {
		t.Fatal("plan refused")
	}
	type step struct {
		blob, mbox string
		uid        uint32
		create     bool
	}
	var got []step
	for _, op := range ops {
		lk := lines[op.line].Mailboxes[op.link]
		got = append(got, step{lines[op.line].Blob, lk.Name, lk.UID, op.create})
	}
	want := []step{{"e", "INBOX", 3, true}, {"f", "INBOX", 5, true}, {"f", "Lists", 2, false},
		{"g", "Lists", 4, true}, {"e", "Lists", 9, false}}
	if len(got) != len(want) {
		t.Fatalf("steps %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("step %d: %v, want %v", i, got[i], want[i])
		}
	}
	bad := map[string]func() ([]messageJSON, []mailboxJSON){
		"no UIDVALIDITY": func() ([]messageJSON, []mailboxJSON) {
			return lines, []mailboxJSON{{Name: "INBOX"}, {Name: "Lists", UIDValidity: 8}}
		},
		"no UID": func() ([]messageJSON, []mailboxJSON) {
			return []messageJSON{{Blob: "e", Mailboxes: []linkJSON{{Name: "INBOX"}}}}, mbs
		},
		"UID twice": func() ([]messageJSON, []mailboxJSON) {
			return []messageJSON{{Blob: "e", Mailboxes: []linkJSON{{Name: "INBOX", UID: 1}}},
				{Blob: "f", Mailboxes: []linkJSON{{Name: "INBOX", UID: 1}}}}, mbs
		},
		"unlisted mailbox": func() ([]messageJSON, []mailboxJSON) {
			return []messageJSON{{Blob: "e", Mailboxes: []linkJSON{{Name: "Gone", UID: 1}}}}, mbs
		},
	}
	for name, mk := range bad {
		if _, ok := exactPlan(mk()); ok {
			t.Errorf("%s: planned", name)
		}
	}
}

// TestImportMergeDrawsUIDs merges an export into a store that already
// holds the account's mailboxes with mail: the messages are added under
// new UIDs after those there.
func TestImportMergeDrawsUIDs(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 1, 20)
	dir := t.TempDir()
	if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dst := memoryServer(t)
	acct := "user0@example.test"
	if err := dst.mail.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	held, err := dst.mail.MailboxByName(ctx, acct, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	for n := range 3 {
		_, _, err := dst.mail.Append(ctx, acct, held.ID,
			strings.NewReader(testMessage("other@example.test", n)), nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Import(ctx, dst.target(), dir, ImportOptions{Merge: true}); err != nil {
		t.Fatal(err)
	}
	inbox, err := dst.mail.MailboxByName(ctx, acct, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := src.mail.MailboxByName(ctx, acct, "INBOX")
	if inbox.UIDValidity != held.UIDValidity || inbox.Total != want.Total+3 ||
		inbox.UIDNext != want.Total+4 {
		t.Fatalf("merged inbox %+v, source %+v", inbox, want)
	}
}

// TestImportBadQueue refuses a queue index that is not JSON or names a
// content that is not a hash.
func TestImportBadQueue(t *testing.T) {
	ctx := context.Background()
	for name, line := range map[string]string{
		"garbage":  `{"id":`,
		"bad blob": `{"id":"q1","blob":"../../etc/passwd","recipients":[{"address":"a@b","state":"queued"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			src := memoryServer(t)
			populate(t, src, 1, 5)
			dir := t.TempDir()
			if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, queueFile), []byte(line+"\n"),
				0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Import(ctx, memoryServer(t).target(), dir, ImportOptions{})
			if !errors.Is(err, ErrBadExport) {
				t.Fatalf("Import = %v, want ErrBadExport", err)
			}
		})
	}
}
