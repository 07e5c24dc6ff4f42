package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/memory"
	storesql "github.com/bulwarkmail/bulwark/store/sql"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

// loadLayoutFixture puts the layout-1 fixture into kv.
func loadLayoutFixture(t testing.TB, kv store.KV) {
	t.Helper()
	f, err := os.Open(layoutFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := storetest.LoadDump(context.Background(), kv, f); err != nil {
		t.Fatal(err)
	}
}

// checkLayoutFixtureMigrated opens the migrated store and reads it
// through the public API: it must read as the fixture's store did before
// its index was put in the old form, pass VerifyLayout, and take new
// mail.
func checkLayoutFixtureMigrated(t *testing.T, kv store.KV) {
	t.Helper()
	ctx := context.Background()
	srv := newServer(t, kv, nil)
	rep, err := VerifyLayout(ctx, srv.mail)
	if err != nil {
		t.Fatalf("VerifyLayout: %v", err)
	}
	if len(rep.Problems) > 0 || rep.Accounts != 2 || rep.Emails < 300 {
		t.Fatalf("VerifyLayout = %+v", rep)
	}
	raw, err := os.ReadFile(layoutExpect)
	if err != nil {
		t.Fatal(err)
	}
	var want layoutSummary
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	got := readLayoutSummary(t, srv.mail)
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		for acct, wa := range want {
			for k, hits := range wa.Searches {
				if g := got[acct].Searches[k]; strings.Join(g, " ") != strings.Join(hits, " ") {
					t.Errorf("%s %s: found %d, want %d", acct, k, len(g), len(hits))
				}
			}
			for name, mb := range wa.Mailboxes {
				g := got[acct].Mailboxes[name]
				if strings.Join(g.Entries, "\n") != strings.Join(mb.Entries, "\n") ||
					g.UIDNext != mb.UIDNext || g.HighestModSeq != mb.HighestModSeq {
					t.Errorf("%s/%s differs after migration", acct, name)
				}
			}
		}
		t.Fatalf("the migrated store does not read as the original")
	}
	// The migrated store takes new mail and finds it.
	acct := "ada@example.test"
	inbox, err := srv.mail.MailboxByName(ctx, acct, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = srv.mail.Append(ctx, acct, inbox.ID, strings.NewReader(
		"Subject: after\r\n\r\nzyzzyva quokka\r\n"), nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.mail.Query(ctx, acct, mailstore.Query{Filter: &mailstore.Filter{Body: "quokka"}})
	if err != nil || res.Total != 1 {
		t.Errorf("search after migration: %+v, %v", res, err)
	}
}

// TestLayoutFixtureMigrates upgrades the layout-1 fixture on every
// adapter: plan, apply with progress, verify, and read back.
func TestLayoutFixtureMigrates(t *testing.T) {
	ctx := context.Background()
	adapters := map[string]func(t *testing.T) store.KV{
		"memory": func(*testing.T) store.KV { return memory.New() },
		"bolt":   func(t *testing.T) store.KV { return newBoltKV(t) },
		"postgres": func(t *testing.T) store.KV {
			db, err := storesql.Open(ctx, storesql.Options{Driver: "postgres",
				DSN:         "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
				TablePrefix: fmt.Sprintf("layout%d_", time.Now().UnixNano())})
			if err != nil {
				if os.Getenv("CI") == "" {
					t.Skipf("PostgreSQL not reachable: %v", err)
				}
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := db.DropTables(ctx); err != nil {
					t.Error(err)
				}
				db.Close()
			})
			return db
		},
	}
	// SQLite here is a C library translated to Go: under the race
	// detector the migration takes minutes, so it runs in the tests
	// without -race; PostgreSQL covers SQL under -race.
	if !raceEnabled {
		adapters["sqlite"] = func(t *testing.T) store.KV {
			db, err := storesql.Open(ctx, storesql.Options{Driver: "sqlite",
				DSN: filepath.Join(t.TempDir(), "mail.sqlite")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	}
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			kv := open(t)
			loadLayoutFixture(t, kv)
			_, err := mailstore.New(ctx, mailstore.Options{KV: kv, Blobs: memory.NewBlobs()})
			if !errors.Is(err, store.ErrNeedsMigration) {
				t.Fatalf("opening layout 1: %v, want ErrNeedsMigration", err)
			}
			plans, err := PlanLayout(ctx, kv, LayoutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(plans) != 1 || plans[0].From != 1 || plans[0].To != mailstore.LayoutCurrent ||
				len(plans[0].Steps) != 1 || plans[0].Steps[0].Records < 10000 || plans[0].Estimate <= 0 {
				t.Fatalf("plan = %+v", plans)
			}
			again, err := PlanLayout(ctx, kv, LayoutOptions{})
			if err != nil || again[0].Steps[0].Records != plans[0].Steps[0].Records {
				t.Fatalf("a second plan differs, the first changed the store: %+v, %v", again, err)
			}
			var calls int
			var last store.MigrationProgress
			err = ApplyLayout(ctx, kv, LayoutOptions{Progress: func(p store.MigrationProgress) {
				calls++
				last = p
			}})
			if err != nil {
				t.Fatalf("ApplyLayout: %v", err)
			}
			if calls < 3 || last.Done != last.Total || last.Total != plans[0].Steps[0].Records {
				t.Errorf("progress: %d calls, last %+v; want done = total = %d", calls, last,
					plans[0].Steps[0].Records)
			}
			if p, err := PlanLayout(ctx, kv, LayoutOptions{}); err != nil || len(p[0].Steps) != 0 {
				t.Errorf("plan after apply = %+v, %v; want nothing to do", p, err)
			}
			checkLayoutFixtureMigrated(t, kv)
		})
	}
}

// TestLayoutRefusesNewer: a store stamped by a newer release is refused
// by the plan, the migration and the mailstore.
func TestLayoutRefusesNewer(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	err := kv.Update(ctx, func(tx store.Tx) error {
		return store.Layout{Component: mailstore.LayoutComponent}.SetVersion(tx, mailstore.LayoutCurrent+1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PlanLayout(ctx, kv, LayoutOptions{}); !errors.Is(err, store.ErrLayoutTooNew) {
		t.Errorf("PlanLayout = %v, want ErrLayoutTooNew", err)
	}
	if err := ApplyLayout(ctx, kv, LayoutOptions{}); !errors.Is(err, store.ErrLayoutTooNew) {
		t.Errorf("ApplyLayout = %v, want ErrLayoutTooNew", err)
	}
	_, err = mailstore.New(ctx, mailstore.Options{KV: kv, Blobs: memory.NewBlobs()})
	if !errors.Is(err, store.ErrLayoutTooNew) {
		t.Errorf("mailstore.New = %v, want ErrLayoutTooNew", err)
	}
}

// layoutCrashEnv carries the bolt file and the batch to die after to the
// child process of TestLayoutMigrationKilled.
const layoutCrashEnv = "MIGRATE_LAYOUT_CRASH_TEST"

// TestLayoutMigrationKilled kills a migration midway, in each phase of
// the step (word lists, then index keys), as a crashed server would die, and resumes it on the same
// bolt file: the result reads as the fixture must.
func TestLayoutMigrationKilled(t *testing.T) {
	if spec := os.Getenv(layoutCrashEnv); spec != "" {
		layoutCrashChild(t, spec)
		return
	}
	ctx := context.Background()
	for _, dieAfter := range []int{2, 5} {
		t.Run("after batch "+strconv.Itoa(dieAfter), func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "mail.db")
			db, err := bolt.Open(dbPath, bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			loadLayoutFixture(t, db)
			db.Close()
			cmd := exec.Command(os.Args[0], "-test.run=^TestLayoutMigrationKilled$")
			cmd.Env = append(os.Environ(), layoutCrashEnv+"="+dbPath+
				string(os.PathListSeparator)+strconv.Itoa(dieAfter))
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Fatalf("child: %v\n%s", err, out)
			}
			db, err = bolt.Open(dbPath, bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			p, err := PlanLayout(ctx, db, LayoutOptions{})
			if err != nil || len(p[0].Steps) != 1 {
				t.Fatalf("plan after the crash = %+v, %v; want the step still to run", p, err)
			}
			if err := ApplyLayout(ctx, db, LayoutOptions{}); err != nil {
				t.Fatalf("resume: %v", err)
			}
			checkLayoutFixtureMigrated(t, db)
		})
	}
}

// layoutCrashChild migrates and exits the process after a number of
// batches, without closing the store.
func layoutCrashChild(t *testing.T, spec string) {
	parts := filepath.SplitList(spec)
	dieAfter, _ := strconv.Atoi(parts[1])
	db, err := bolt.Open(parts[0], bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	batches := 0
	err = ApplyLayout(context.Background(), db, LayoutOptions{Progress: func(store.MigrationProgress) {
		batches++
		if batches == dieAfter {
			os.Exit(3)
		}
	}})
	t.Fatalf("migration ended before batch %d: %v", dieAfter, err)
}
