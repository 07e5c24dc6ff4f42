package storetest

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
)

// testReserved runs the helpers of package store that use reserved
// spaces: a two-step layout migration and blob reference counts.
func testReserved(t *testing.T, kv store.KV) {
	ctx := context.Background()
	steps := 0
	m := &store.Migrator{Component: "conformance", Steps: []store.Step{
		{Name: "first", From: 0, Run: func(_ context.Context, tx store.Tx,
			c []byte) ([]byte, int, error) {
			steps++
			if c == nil {
				return []byte("half"), 1, tx.Put(space, []byte("m1"), []byte("a"))
			}
			return nil, 1, tx.Put(space, []byte("m2"), []byte("b"))
		}},
		{Name: "second", From: 1, Run: func(_ context.Context, tx store.Tx,
			c []byte) ([]byte, int, error) {
			steps++
			return nil, 1, tx.Delete(space, []byte("m1"))
		}},
	}}
	if err := m.Run(ctx, kv); err != nil {
		t.Fatalf("Migrator.Run: %v", err)
	}
	if v, err := m.Check(ctx, kv); v != 2 || err != nil || steps < 3 {
		t.Errorf("after Run: layout %d, %v, %d batches; want 2, nil, 3", v, err, steps)
	}
	if get(t, kv, space, []byte("m1")) != nil || get(t, kv, space, []byte("m2")) == nil {
		t.Errorf("migration steps did not run in order")
	}

	h := store.Hash(sha256.Sum256([]byte("blob")))
	var refs store.BlobRefs
	update(t, kv, func(tx store.Tx) error {
		for range 3 {
			if _, err := refs.Inc(tx, h); err != nil {
				return err
			}
		}
		n, err := refs.Dec(tx, h)
		if n != 2 {
			t.Errorf("Dec after three Inc = %d, want 2", n)
		}
		return err
	})
	view(t, kv, func(tx store.Tx) error {
		if n, err := refs.Count(tx, h); n != 2 || err != nil {
			t.Errorf("Count = %d, %v; want 2", n, err)
		}
		return nil
	})
}
