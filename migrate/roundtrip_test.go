package migrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 3, 100)
	dir := t.TempDir()
	var calls, last int64
	man, err := Export(ctx, src.source(), dir, ExportOptions{
		Progress: func(done, total int64) { calls++; last = done },
	})
	if err != nil {
		t.Fatal(err)
	}
	if man.Messages != 300 || man.Accounts != 3 || man.Principals != 4 || man.Scripts != 6 {
		t.Fatalf("manifest counts: %+v", man)
	}
	if calls != 300 || last != 300 {
		t.Errorf("progress: %d calls, last %d", calls, last)
	}
	targets := map[string]func(*testing.T) *server{
		"memory": memoryServer, "bolt": boltServer,
	}
	for name, open := range targets {
		t.Run(name, func(t *testing.T) {
			dst := open(t)
			if _, err := Import(ctx, dst.target(), dir, ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			compareServers(t, src, dst)
			compareExact(t, src, dst)
			compareDirectory(t, src, dst)
			compareScripts(t, src, dst, "user1@example.test")
		})
	}
}

// TestRoundTripSQLite imports into an SQLite store, with fewer messages:
// each transaction there syncs the file.
func TestRoundTripSQLite(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 2, 20)
	dir := t.TempDir()
	if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dst := sqliteServer(t)
	if _, err := Import(ctx, dst.target(), dir, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	compareServers(t, src, dst)
	compareDirectory(t, src, dst)
}

func compareDirectory(t *testing.T, a, b *server) {
	t.Helper()
	ctx := context.Background()
	want, err := a.dir.ListPrincipals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.dir.ListPrincipals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d principals, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.Name != g.Name || w.Type != g.Type || !slices.Equal(w.MemberOf, g.MemberOf) ||
			!slices.Equal(w.Emails, g.Emails) {
			t.Errorf("principal %d: got %+v, want %+v", i, g, w)
		}
		ws, _ := a.dir.Secrets(ctx, w.Name)
		gs, _ := b.dir.Secrets(ctx, w.Name)
		if !slices.Equal(ws, gs) {
			t.Errorf("%s: secrets differ", w.Name)
		}
	}
	if _, err := b.dir.Authenticate(ctx, directory.Credentials{
		Username: "user0@example.test", Password: "secretuser0@example.test"}); err != nil {
		t.Errorf("imported password hash does not authenticate: %v", err)
	}
}

func compareScripts(t *testing.T, a, b *server, acct string) {
	t.Helper()
	ctx := context.Background()
	want, _ := a.sieve.List(ctx, acct)
	got, err := b.sieve.List(ctx, acct)
	if err != nil || !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("scripts: got %v (%v), want %v", got, err, want)
	}
}

func TestImportRefusesNonEmpty(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 1, 5)
	dir := t.TempDir()
	if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dst := memoryServer(t)
	if err := dst.mail.CreateAccount(ctx, "someone@example.test"); err != nil {
		t.Fatal(err)
	}
	_, err := Import(ctx, dst.target(), dir, ImportOptions{})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("import into non-empty store: %v, want ErrNotEmpty", err)
	}
	if _, err := Import(ctx, dst.target(), dir, ImportOptions{Merge: true}); err != nil {
		t.Fatalf("merge: %v", err)
	}
	accts, _ := dst.mail.Accounts(ctx)
	if len(accts) != 2 {
		t.Errorf("accounts after merge: %v", accts)
	}
}

func TestImportBadExport(t *testing.T) {
	ctx := context.Background()
	dst := memoryServer(t)
	tests := []struct {
		name     string
		manifest string
		want     error
	}{
		{"missing", "", ErrNotExport},
		{"other format", `{"format":"zip","version":1}`, ErrNotExport},
		{"too new", `{"format":"bulwark-export","version":99}`, ErrFormatTooNew},
		{"garbage", `{`, ErrBadExport},
		{"escaping account", `{"format":"bulwark-export","version":1,` +
			`"account_dirs":{"a":"../../x"}}`, ErrBadExport},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.manifest != "" {
				err := os.WriteFile(filepath.Join(dir, manifestFile), []byte(tc.manifest), 0o600)
				if err != nil {
					t.Fatal(err)
				}
			}
			_, err := Import(ctx, dst.target(), dir, ImportOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestImportResume interrupts an import midway (a cancelled context, as a
// killed process would leave it) and checks that a second run completes
// it without duplicates.
func TestImportResume(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 2, 60)
	dir := t.TempDir()
	if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dst := boltServer(t)
	cctx, cancel := context.WithCancel(ctx)
	_, err := Import(cctx, dst.target(), dir, ImportOptions{CheckpointEvery: 16,
		Progress: func(done, _ int64) {
			if done == 75 {
				cancel()
			}
		}})
	if err == nil {
		t.Fatal("interrupted import succeeded")
	}
	if _, err := Import(ctx, dst.target(), dir, ImportOptions{CheckpointEvery: 16}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	compareServers(t, src, dst)
}

func TestExportChosenAccounts(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 3, 4)
	dir := t.TempDir()
	man, err := Export(ctx, src.source(), dir, ExportOptions{
		Accounts: []string{"user2@example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	// The account's principal and the group it belongs to.
	if man.Accounts != 1 || man.Messages != 4 || man.Principals != 2 {
		t.Errorf("manifest: %+v", man)
	}
	_, err = Export(ctx, src.source(), t.TempDir(), ExportOptions{Accounts: []string{"nobody"}})
	if err == nil {
		t.Error("export of an unknown account succeeded")
	}
}

// TestImportRolesMove checks that roles held by renamed mailboxes in the
// source move off the target's default mailboxes, and that default
// mailboxes the source deleted are not left behind.
func TestImportRolesMove(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	acct := "abe@example.test"
	if err := src.mail.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	sent, err := src.mail.MailboxByRole(ctx, acct, "sent")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.mail.RenameMailbox(ctx, acct, sent.ID, "Sent Items"); err != nil {
		t.Fatal(err)
	}
	arch, err := src.mail.MailboxByRole(ctx, acct, "archive")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.mail.DeleteMailbox(ctx, acct, arch.ID); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dst := memoryServer(t)
	if _, err := Import(ctx, dst.target(), dir, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	compareServers(t, src, dst)
}
