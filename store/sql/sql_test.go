package sql_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/sql"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

// DSNs of the databases this machine and CI run; BULWARK_TEST_POSTGRES
// and BULWARK_TEST_MYSQL override them.
func dsn(driver string) string {
	switch driver {
	case "postgres":
		if v := os.Getenv("BULWARK_TEST_POSTGRES"); v != "" {
			return v
		}
		return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	case "mysql":
		if v := os.Getenv("BULWARK_TEST_MYSQL"); v != "" {
			return v
		}
		return "root@tcp(127.0.0.1:3306)/test"
	}
	return ""
}

// uniquePrefix returns a table prefix no other test run uses.
func uniquePrefix() string {
	var b [6]byte
	rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:]) + "_"
}

// openDB opens a store with fresh tables and drops them after the test.
// Outside CI a database that is not running skips the test; in CI it
// fails it.
func openDB(t testing.TB, driver string) *sql.DB {
	t.Helper()
	return openWith(t, sql.Options{Driver: driver})
}

// openWith is openDB with more options.
func openWith(t testing.TB, opts sql.Options) *sql.DB {
	t.Helper()
	driver := opts.Driver
	opts.DSN, opts.TablePrefix = dsn(driver), uniquePrefix()
	if driver == "sqlite" {
		opts.DSN = filepath.Join(t.TempDir(), "store.sqlite")
	}
	db, err := sql.Open(context.Background(), opts)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not reachable: %v", driver, err)
		}
		t.Fatalf("Open(%s): %v", driver, err)
	}
	t.Cleanup(func() {
		db.Close()
		// The test may have closed db: drop through a new connection.
		if opts.Driver == "sqlite" {
			return
		}
		cleaner, err := sql.Open(context.Background(), opts)
		if err != nil {
			t.Errorf("Open for cleanup: %v", err)
			return
		}
		if err := cleaner.DropTables(context.Background()); err != nil {
			t.Errorf("DropTables: %v", err)
		}
		cleaner.Close()
	})
	return db
}

// reopen opens the tables of db through a second connection pool, as
// another process would.
func reopen(t testing.TB, driver string, db *sql.DB) *sql.DB {
	t.Helper()
	opts := sql.Options{Driver: driver, DSN: dsn(driver), TablePrefix: db.Prefix()}
	if driver == "sqlite" {
		opts.DSN = db.DSN()
	}
	other, err := sql.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

var drivers = []string{"postgres", "mysql", "sqlite"}

// raceEnabled is set when the race detector runs: it slows the
// embedded SQLite engine so much that the suite runs smaller.
var raceEnabled bool

func scale() storetest.Options {
	if raceEnabled {
		return storetest.Options{ManyKeys: 4000, LargeSize: 1 << 20}
	}
	return storetest.Options{}
}

// TestKVGroupCommit runs the suite with Updates sharing transactions.
func TestKVGroupCommit(t *testing.T) {
	for _, driver := range []string{"postgres", "mysql"} {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			storetest.TestKVOptions(t, func(t *testing.T) store.KV {
				return openWith(t, sql.Options{Driver: driver, GroupCommit: true})
			}, scale())
		})
	}
}

func TestKV(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			storetest.TestKVOptions(t, func(t *testing.T) store.KV {
				return openDB(t, driver)
			}, scale())
		})
	}
}
