package sql_test

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/cache"
	"github.com/bulwarkmail/bulwark/directory/directorytest"
	dirsql "github.com/bulwarkmail/bulwark/directory/sql"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// dialect is one database engine under test.
type dialect struct {
	name, driver string
	dsn          func(t testing.TB) string
	ph           string // placeholder
	text         string // column type for names and addresses
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

var dialects = []dialect{
	{name: "postgres", driver: "pgx", ph: "$1", text: "VARCHAR(255)",
		dsn: func(testing.TB) string {
			return env("BULWARK_TEST_POSTGRES",
				"postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		}},
	{name: "mariadb", driver: "mysql", ph: "?",
		text: "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
		dsn: func(testing.TB) string {
			return env("BULWARK_TEST_MYSQL", "root@tcp(127.0.0.1:3306)/test?charset=utf8mb4")
		}},
	{name: "sqlite", driver: "sqlite", ph: "?", text: "TEXT",
		dsn: func(t testing.TB) string { return filepath.Join(t.TempDir(), "dir.db") }},
}

// open connects, failing in CI and skipping elsewhere when the server is
// not reachable.
func open(t testing.TB, d dialect) *stdsql.DB {
	t.Helper()
	db, err := stdsql.Open(d.driver, d.dsn(t))
	if err == nil {
		err = db.PingContext(context.Background())
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v", d.name, err)
		}
		t.Skipf("%s not reachable: %v", d.name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// schema creates the fixture's tables under a prefix unique to this run
// and returns the queries that read them.
func schema(t testing.TB, db *stdsql.DB, d dialect) dirsql.Queries {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	p := "dirtest_" + hex.EncodeToString(b) + "_"
	ddl := []string{
		"CREATE TABLE %sprincipals (name %[2]s PRIMARY KEY, type %[2]s, display_name %[2]s, " +
			"quota BIGINT, roles %[2]s, secret %[2]s)",
		"CREATE TABLE %semails (name %[2]s, address %[2]s, pos INTEGER)",
		"CREATE TABLE %smembers (grp %[2]s, member %[2]s)",
		"CREATE TABLE %sapp_passwords (name %[2]s, hash %[2]s)",
		"CREATE TABLE %sdomains (name %[2]s)",
	}
	ctx := context.Background()
	for _, s := range ddl {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(s, p, d.text)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		for _, tb := range []string{"principals", "emails", "members", "app_passwords",
			"domains"} {
			db.Exec("DROP TABLE " + p + tb)
		}
	})
	load(t, db, d, p)
	q := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "{p}", p), "{?}", d.ph)
	}
	return dirsql.Queries{
		Principal: q("SELECT name, type, display_name, quota, roles FROM {p}principals " +
			"WHERE name = {?}"),
		Emails:    q("SELECT address FROM {p}emails WHERE name = {?} ORDER BY pos"),
		ByAddress: q("SELECT name FROM {p}emails WHERE address = {?}"),
		Members:   q("SELECT member FROM {p}members WHERE grp = {?}"),
		MemberOf:  q("SELECT grp FROM {p}members WHERE member = {?}"),
		Secrets: q("SELECT s FROM (SELECT name, secret AS s FROM {p}principals " +
			"UNION ALL SELECT name, hash FROM {p}app_passwords) x WHERE x.name = {?}"),
		Domain: q("SELECT 1 FROM {p}domains WHERE name = {?}"),
	}
}

// load inserts the fixture as a host would keep it: addresses and domains
// as written (U-labels included), not normalised.
func load(t testing.TB, db *stdsql.DB, d dialect, p string) {
	t.Helper()
	ph := func(n int) string {
		if d.ph == "?" {
			return strings.TrimSuffix(strings.Repeat("?,", n), ",")
		}
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("$%d", i+1)
		}
		return strings.Join(s, ",")
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(fmt.Sprintf(q, p, ph(len(args))), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, dom := range directorytest.Domains {
		exec("INSERT INTO %sdomains (name) VALUES (%s)", dom)
	}
	for _, e := range directorytest.Entries() {
		pr := e.Principal
		exec("INSERT INTO %sprincipals (name, type, display_name, quota, roles, secret) "+
			"VALUES (%s)", pr.Name, pr.Type.String(), pr.DisplayName, pr.Quota,
			strings.Join(pr.Roles, ","), e.Secret)
		for i, a := range pr.Emails {
			exec("INSERT INTO %semails (name, address, pos) VALUES (%s)", pr.Name, a, i)
		}
		for _, m := range pr.Members {
			exec("INSERT INTO %smembers (grp, member) VALUES (%s)", pr.Name, m)
		}
		if e.AppSecret != "" {
			exec("INSERT INTO %sapp_passwords (name, hash) VALUES (%s)", pr.Name, e.AppSecret)
		}
	}
}

func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := open(t, d)
			q := schema(t, db, d)
			directorytest.Run(t, func(t *testing.T, o directory.Options) directory.Directory {
				dir, err := dirsql.New(context.Background(), db, dirsql.Options{Queries: q,
					Directory: o})
				if err != nil {
					t.Fatal(err)
				}
				return dir
			})
		})
	}
}

func TestNewChecksQueries(t *testing.T) {
	db, _ := stdsql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
	defer db.Close()
	if _, err := dirsql.New(context.Background(), db, dirsql.Options{}); err == nil {
		t.Error("New without queries succeeded")
	}
	if _, err := dirsql.New(context.Background(), nil, dirsql.Options{}); err == nil {
		t.Error("New without a database succeeded")
	}
}

// BenchmarkResolve measures resolutions per second of an alias on each
// engine, straight and through the cache.
func BenchmarkResolve(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			db := open(b, d)
			q := schema(b, db, d)
			dir, err := dirsql.New(context.Background(), db, dirsql.Options{Queries: q})
			if err != nil {
				b.Fatal(err)
			}
			for name, x := range map[string]directory.Directory{"direct": dir,
				"cached": cache.New(dir, cache.Options{})} {
				b.Run(name, func(b *testing.B) {
					ctx := context.Background()
					for b.Loop() {
						if r, err := x.Resolve(ctx, "alice.liddell@example.org"); err != nil ||
							len(r.Accounts) != 1 {
							b.Fatalf("Resolve = %+v, %v", r, err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
				})
			}
		})
	}
}
