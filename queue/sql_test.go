package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/kvblob"
	"github.com/bulwarkmail/bulwark/store/sql"
)

// openSQL opens two connection pools on fresh tables of driver, as two
// nodes sharing one database would. Outside CI an unreachable database
// skips the test.
func openSQL(t *testing.T, driver, dsn string) (*sql.DB, *sql.DB) {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	opts := sql.Options{Driver: driver, DSN: dsn, TablePrefix: "q" + hex.EncodeToString(b[:]) + "_"}
	ctx := context.Background()
	a, err := sql.Open(ctx, opts)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not reachable: %v", driver, err)
		}
		t.Fatal(err)
	}
	c, err := sql.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		a.DropTables(context.Background())
		a.Close()
	})
	return a, c
}

// TestTwoNodesSQL runs two queues on two pools of one PostgreSQL or
// MariaDB database: each message is delivered once, by either node.
func TestTwoNodesSQL(t *testing.T) {
	dsns := map[string]string{
		"postgres": "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"mysql":    "root@tcp(127.0.0.1:3306)/test",
	}
	for _, driver := range []string{"postgres", "mysql"} {
		t.Run(driver, func(t *testing.T) {
			a, b := openSQL(t, driver, dsns[driver])
			rec := &recorder{got: map[string][]string{}, delay: 5 * time.Millisecond}
			var qs []*Queue
			for i, db := range []*sql.DB{a, b} {
				blobs, err := kvblob.New(db, kvblob.Options{})
				if err != nil {
					t.Fatal(err)
				}
				node := fmt.Sprintf("n%d", i)
				e := newEnv(t, Options{KV: db, Blobs: blobs, Node: node, Workers: 4,
					Transport: nodeTransport{rec, node}})
				qs = append(qs, e.q)
			}
			const n = 20
			for i := range n {
				submit(t, qs[i%2], Envelope{From: "fay@example.com",
					Recipients: to("gus@example.net")}, fmt.Sprintf("msg %d", i))
			}
			waitFor(t, "all deliveries", func() bool { return rec.count() == n })
			waitFor(t, "empty queue", func() bool { return queueEmpty(qs[0]) })
			time.Sleep(50 * time.Millisecond)
			byNode := rec.checkOnce(t, n)
			t.Logf("deliveries by node: %v", byNode)
		})
	}
}
