package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

func testReadYourWrites(t *testing.T, kv store.KV) {
	putAll(t, kv, [][]byte{[]byte("a"), []byte("c")})
	update(t, kv, func(tx store.Tx) error {
		if err := tx.Put(space, []byte("b"), []byte("vb")); err != nil {
			return err
		}
		if err := tx.Delete(space, []byte("c")); err != nil {
			return err
		}
		if v, err := tx.Get(space, []byte("b")); err != nil || string(v) != "vb" {
			t.Errorf("Get(own write) = %q, %v; want vb", v, err)
		}
		if _, err := tx.Get(space, []byte("c")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(own delete) error = %v, want ErrNotFound", err)
		}
		got := scanKeys(t, tx, space, store.Range{})
		want := [][]byte{[]byte("a"), []byte("b")}
		if !equalKeys(got, want) {
			t.Errorf("Scan inside tx = %q, want %q", got, want)
		}
		return nil
	})
}

func testRollback(t *testing.T, kv store.KV) {
	putAll(t, kv, [][]byte{[]byte("keep")})
	fail := errors.New("fail")
	err := kv.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Put(space, []byte("new"), []byte("x")); err != nil {
			return err
		}
		if err := tx.Put("conformance_other", []byte("new"), []byte("x")); err != nil {
			return err
		}
		if err := tx.Delete(space, []byte("keep")); err != nil {
			return err
		}
		if _, err := tx.Add("conformance_ctr", []byte("c"), 5); err != nil {
			return err
		}
		return fail
	})
	if !errors.Is(err, fail) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if v := get(t, kv, space, []byte("new")); v != nil {
		t.Errorf("rolled-back Put is visible: %q", v)
	}
	if v := get(t, kv, "conformance_other", []byte("new")); v != nil {
		t.Errorf("rolled-back Put in second space is visible: %q", v)
	}
	if v := get(t, kv, space, []byte("keep")); v == nil {
		t.Errorf("rolled-back Delete took effect")
	}
	view(t, kv, func(tx store.Tx) error {
		if n, err := tx.Counter("conformance_ctr", []byte("c")); err != nil || n != 0 {
			t.Errorf("rolled-back Add: Counter = %d, %v; want 0", n, err)
		}
		return nil
	})
}

func testReadOnly(t *testing.T, kv store.KV) {
	update(t, kv, func(tx store.Tx) error {
		if !tx.Writable() {
			t.Errorf("Update: Writable() = false")
		}
		return nil
	})
	view(t, kv, func(tx store.Tx) error {
		if tx.Writable() {
			t.Errorf("View: Writable() = true")
		}
		if err := tx.Put(space, []byte("k"), []byte("v")); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("View: Put error = %v, want ErrReadOnly", err)
		}
		if err := tx.Delete(space, []byte("k")); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("View: Delete error = %v, want ErrReadOnly", err)
		}
		if _, err := tx.Add(space, []byte("c"), 1); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("View: Add error = %v, want ErrReadOnly", err)
		}
		return nil
	})
	if v := get(t, kv, space, []byte("k")); v != nil {
		t.Errorf("write in View is visible: %q", v)
	}
}

// testSnapshot checks that a reader keeps seeing the state it started
// with while a writer commits.
func testSnapshot(t *testing.T, kv store.KV) {
	putAll(t, kv, [][]byte{[]byte("a")})
	started := make(chan struct{})
	committed := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- kv.View(context.Background(), func(tx store.Tx) error {
			first := scanKeys(t, tx, space, store.Range{})
			close(started)
			<-committed
			if v, err := tx.Get(space, []byte("a")); err != nil || string(v) != "va" {
				t.Errorf("reader: Get(a) after commit = %q, %v; want va", v, err)
			}
			if _, err := tx.Get(space, []byte("b")); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("reader: Get(b) committed later: error %v, want ErrNotFound", err)
			}
			if again := scanKeys(t, tx, space, store.Range{}); !equalKeys(first, again) {
				t.Errorf("reader: Scan changed within a View: %q then %q", first, again)
			}
			return nil
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("View ended early: %v", err)
	}
	update(t, kv, func(tx store.Tx) error {
		if err := tx.Put(space, []byte("a"), []byte("changed")); err != nil {
			return err
		}
		return tx.Put(space, []byte("b"), []byte("vb"))
	})
	close(committed)
	if err := <-done; err != nil {
		t.Fatalf("View: %v", err)
	}
	if v := get(t, kv, space, []byte("a")); string(v) != "changed" {
		t.Errorf("Get(a) after commit = %q, want changed", v)
	}
}

// testUncommitted checks that readers never see a writer's pending state.
func testUncommitted(t *testing.T, kv store.KV) {
	putAll(t, kv, [][]byte{[]byte("a")})
	written := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		once := false
		done <- kv.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.Put(space, []byte("a"), []byte("pending")); err != nil {
				return err
			}
			if !once {
				once = true
				close(written)
				<-release
			}
			return nil
		})
	}()
	select {
	case <-written:
	case err := <-done:
		t.Fatalf("Update ended early: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := kv.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(space, []byte("a"))
		if err != nil || string(v) != "va" {
			t.Errorf("reader during write: Get(a) = %q, %v; want va", v, err)
		}
		return nil
	})
	cancel()
	close(release)
	if err != nil {
		t.Errorf("View during Update: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Update: %v", err)
	}
	if v := get(t, kv, space, []byte("a")); string(v) != "pending" {
		t.Errorf("Get(a) after commit = %q, want pending", v)
	}
}

func testScanWrites(t *testing.T, kv store.KV) {
	keys := orderKeys()
	putAll(t, kv, keys)
	update(t, kv, func(tx store.Tx) error {
		return tx.Scan(space, store.Range{}, func(k, v []byte) error {
			if _, err := tx.Get(space, k); err != nil {
				return err
			}
			return tx.Put("conformance_copy", k, v)
		})
	})
	view(t, kv, func(tx store.Tx) error {
		got := scanKeys(t, tx, "conformance_copy", store.Range{})
		if !equalKeys(got, keys) {
			t.Errorf("copied keys = %x, want %x", got, keys)
		}
		return nil
	})
}

func testLargeValues(t *testing.T, kv store.KV, size int) {
	big := make([]byte, size)
	for i := range big {
		big[i] = byte(i*7 + i>>9)
	}
	update(t, kv, func(tx store.Tx) error {
		if err := tx.Put(space, []byte("big"), big); err != nil {
			return err
		}
		return tx.Put(space, []byte("big2"), big[:size*3/5])
	})
	view(t, kv, func(tx store.Tx) error {
		v, err := tx.Get(space, []byte("big"))
		if err != nil || !bytes.Equal(v, big) {
			t.Errorf("Get(big) = %d bytes, %v; want %d equal bytes", len(v), err, len(big))
		}
		return tx.Scan(space, store.Prefix([]byte("big2")), func(k, v []byte) error {
			if !bytes.Equal(v, big[:size*3/5]) {
				t.Errorf("Scan(big2) = %d bytes, want %d", len(v), size*3/5)
			}
			return nil
		})
	})
}

func testContext(t *testing.T, kv store.KV) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := kv.Update(ctx, func(tx store.Tx) error {
		ran = true
		return tx.Put(space, []byte("k"), []byte("v"))
	})
	if err == nil && ran {
		// An adapter may run fn before noticing the context, but then the
		// write must be committed as usual.
		if v := get(t, kv, space, []byte("k")); v == nil {
			t.Errorf("Update with cancelled context returned nil but wrote nothing")
		}
		return
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with cancelled context: error %v, want context.Canceled", err)
	}
}

func testClose(t *testing.T, kv store.KV) {
	if err := kv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	err := kv.View(context.Background(), func(tx store.Tx) error { return nil })
	if !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close: error %v, want ErrClosed", err)
	}
	err = kv.Update(context.Background(), func(tx store.Tx) error { return nil })
	if !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close: error %v, want ErrClosed", err)
	}
}
