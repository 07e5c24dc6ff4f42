package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/memory"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBlobRefsSweep(t *testing.T) {
	ctx := context.Background()
	kv, bs := memory.New(), memory.NewBlobs()
	var refs store.BlobRefs
	put := func(s string) store.Hash {
		h, _, err := bs.Put(ctx, bytes.NewReader([]byte(s)))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	update := func(fn func(tx store.Tx) error) {
		t.Helper()
		if err := kv.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	shared, single, orphan := put("shared"), put("single"), put("orphan")
	update(func(tx store.Tx) error {
		for _, h := range []store.Hash{shared, shared, single} {
			if _, err := refs.Inc(tx, h); err != nil {
				return err
			}
		}
		return nil
	})
	update(func(tx store.Tx) error {
		if n, err := refs.Dec(tx, shared); n != 1 || err != nil {
			t.Errorf("Dec(shared) = %d, %v; want 1", n, err)
		}
		if n, err := refs.Dec(tx, single); n != 0 || err != nil {
			t.Errorf("Dec(single) = %d, %v; want 0", n, err)
		}
		if _, err := refs.Dec(tx, single); !errors.Is(err, store.ErrNoReference) {
			t.Errorf("Dec below zero: %v, want ErrNoReference", err)
		}
		return nil
	})
	clk := &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	opts := store.SweepOptions{Grace: time.Hour, Now: clk.now, Batch: 2}
	sweep := func(want int) {
		t.Helper()
		n, err := refs.Sweep(ctx, kv, bs, opts)
		if err != nil || n != want {
			t.Fatalf("Sweep = %d, %v; want %d", n, err, want)
		}
	}
	sweep(0) // first sight of single and orphan
	clk.t = clk.t.Add(30 * time.Minute)
	sweep(0) // within the grace period
	// A new reference to orphan rescues it.
	update(func(tx store.Tx) error { _, err := refs.Inc(tx, orphan); return err })
	clk.t = clk.t.Add(31 * time.Minute)
	sweep(1)
	if _, err := bs.Size(ctx, single); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unreferenced blob survived the sweep: %v", err)
	}
	for _, h := range []store.Hash{shared, orphan} {
		if _, err := bs.Size(ctx, h); err != nil {
			t.Errorf("referenced blob %v deleted: %v", h, err)
		}
	}
	kv.View(ctx, func(tx store.Tx) error {
		if n, _ := refs.Count(tx, shared); n != 1 {
			t.Errorf("Count(shared) = %d, want 1", n)
		}
		return nil
	})
}

// TestBlobRefsInterruptedSweep checks that a blob a crashed sweep was
// deleting cannot be referenced, and that the next sweep finishes.
func TestBlobRefsInterruptedSweep(t *testing.T) {
	ctx := context.Background()
	kv, bs := memory.New(), memory.NewBlobs()
	var refs store.BlobRefs
	h, _, _ := bs.Put(ctx, bytes.NewReader([]byte("doomed")))
	// The state a sweep leaves between marking and deleting.
	kv.Update(ctx, func(tx store.Tx) error {
		return tx.Put(store.BlobSweepSpace, h[:], append([]byte{2}, make([]byte, 8)...))
	})
	err := kv.Update(ctx, func(tx store.Tx) error { _, err := refs.Inc(tx, h); return err })
	if !errors.Is(err, store.ErrBlobSwept) {
		t.Errorf("Inc during deletion: %v, want ErrBlobSwept", err)
	}
	if _, err := refs.Sweep(ctx, kv, bs, store.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Size(ctx, h); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("interrupted deletion not finished: %v", err)
	}
	// Put again, the content can be referenced.
	bs.Put(ctx, bytes.NewReader([]byte("doomed")))
	err = kv.Update(ctx, func(tx store.Tx) error { _, err := refs.Inc(tx, h); return err })
	if err != nil {
		t.Errorf("Inc after the sweep finished: %v", err)
	}
}
