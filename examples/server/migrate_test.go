package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/fsblob"
	"github.com/bulwarkmail/bulwark/store/kvblob"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

// oldLayoutData makes a data folder holding the layout-1 fixture of the
// migrate package: its records in bulwark.db, its blobs moved from the
// key-value store into the blob folder as the server keeps them.
func oldLayoutData(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	f, err := os.Open("../../migrate/testdata/mailstore-layout1.kvdump.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, err := bolt.Open(filepath.Join(data, "bulwark.db"), bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := storetest.LoadDump(ctx, db, f); err != nil {
		t.Fatal(err)
	}
	from, err := kvblob.New(db, kvblob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	to, err := fsblob.Open(filepath.Join(data, "blobs"), fsblob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer to.Close()
	err = from.Walk(ctx, func(h store.Hash, _ int64) error {
		rc, err := from.Open(ctx, h, 0, -1)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, _, err = to.Put(ctx, rc)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMigrateCommand runs the server binary on a data folder of an
// earlier layout: the server refuses to start and names the command,
// migrate -dry-run prints the plan and changes nothing, migrate upgrades
// and verifies, and the store then opens for an export.
func TestMigrateCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	data := oldLayoutData(t)
	run := func(wantOK bool, args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"-data", data}, args...)...).CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	refused := run(false, "account", "list")
	if !strings.Contains(refused, "server migrate") {
		t.Errorf("opening an old layout said:\n%s", refused)
	}
	dry := run(true, "migrate", "-dry-run")
	if !strings.Contains(dry, "mailstore: layout 1 -> 2") || !strings.Contains(dry, "dry run") {
		t.Errorf("migrate -dry-run said:\n%s", dry)
	}
	firstLine := func(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }
	if again := run(true, "migrate", "-dry-run"); firstLine(again) != firstLine(dry) {
		t.Errorf("a dry run changed the store:\n%s\nthen\n%s", dry, again)
	}
	out := run(true, "migrate")
	if !strings.Contains(out, "migrated and verified: 2 accounts") || !strings.Contains(out, "migrate: ") {
		t.Errorf("migrate said:\n%s", out)
	}
	if out := run(true, "migrate"); !strings.Contains(out, "nothing to migrate") {
		t.Errorf("second migrate said:\n%s", out)
	}
	exported := run(true, "export", filepath.Join(t.TempDir(), "export"))
	if !strings.Contains(exported, "exported 2 accounts") {
		t.Errorf("export after migration said:\n%s", exported)
	}
}
