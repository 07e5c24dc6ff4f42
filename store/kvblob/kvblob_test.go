package kvblob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/kvblob"
	"github.com/bulwarkmail/bulwark/store/memory"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

func newStore(t *testing.T, kv store.KV) *kvblob.Store {
	t.Helper()
	s, err := kvblob.New(kv, kvblob.Options{TxBytes: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBlobsMemory(t *testing.T) {
	storetest.TestBlobs(t, func(t *testing.T) store.BlobStore {
		return newStore(t, memory.New())
	})
}

func TestBlobsBolt(t *testing.T) {
	storetest.TestBlobs(t, func(t *testing.T) store.BlobStore {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "blobs.db"), bolt.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return newStore(t, db)
	})
}

// TestFailedLargePut checks that a large upload that fails midway
// leaves no chunk behind.
func TestFailedLargePut(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	s := newStore(t, kv)
	r := io.MultiReader(bytes.NewReader(make([]byte, 700<<10)), errReader{})
	if _, _, err := s.Put(ctx, r); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	for _, sp := range []store.Space{"blob_chunk", "blob_upload", "blob_meta"} {
		kv.View(ctx, func(tx store.Tx) error {
			return tx.Scan(sp, store.Range{}, func(k, v []byte) error {
				t.Errorf("failed Put left %s/%x", sp, k)
				return nil
			})
		})
	}
}

// TestCleanUploads checks that the chunks of an upload whose writer
// died are removed once old enough.
func TestCleanUploads(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	s := newStore(t, kv)
	// What a writer that died after its first chunks leaves.
	kv.Update(ctx, func(tx store.Tx) error {
		id := []byte{0, 0, 0, 0, 0, 0, 0, 9}
		tx.Put("blob_upload", id, make([]byte, 8)) // started in 1970
		tx.Put("blob_chunk", append(id, 0, 0, 0, 0), []byte("x"))
		return tx.Put("blob_chunk", append(id, 0, 0, 0, 1), []byte("y"))
	})
	n, err := s.CleanUploads(ctx, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("CleanUploads = %d, %v; want 1", n, err)
	}
	kv.View(ctx, func(tx store.Tx) error {
		return tx.Scan("blob_chunk", store.Range{}, func(k, v []byte) error {
			t.Errorf("chunk %x survived", k)
			return nil
		})
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("reset") }
