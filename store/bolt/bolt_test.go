package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

func openTemp(t testing.TB, opts bolt.Options) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "store.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestKV(t *testing.T) {
	storetest.TestKV(t, func(t *testing.T) store.KV {
		return openTemp(t, bolt.Options{})
	})
}

func TestKVNoGroupCommit(t *testing.T) {
	storetest.TestKV(t, func(t *testing.T) store.KV {
		return openTemp(t, bolt.Options{NoGroupCommit: true})
	})
}
