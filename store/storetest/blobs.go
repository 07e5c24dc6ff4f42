package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
)

// BlobOpener returns a new, empty blob store for one subtest.
type BlobOpener func(t *testing.T) store.BlobStore

// TestBlobs runs the blob store conformance suite against stores made by
// open.
func TestBlobs(t *testing.T, open BlobOpener) {
	TestBlobsOptions(t, open, Options{})
}

// TestBlobsOptions runs the blob suite at the scale opts sets.
func TestBlobsOptions(t *testing.T, open BlobOpener, opts Options) {
	opts = opts.withDefaults()
	tests := []struct {
		name string
		fn   func(t *testing.T, bs store.BlobStore)
	}{
		{"PutOpen", testBlobPutOpen},
		{"Ranges", testBlobRanges},
		{"Large", func(t *testing.T, bs store.BlobStore) { testBlobLarge(t, bs, opts.LargeSize) }},
		{"Dedup", testBlobDedup},
		{"Missing", testBlobMissing},
		{"Delete", testBlobDelete},
		{"Walk", testBlobWalk},
		{"FailedPut", testBlobFailedPut},
		{"Concurrent", testBlobConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

func putBlob(t *testing.T, bs store.BlobStore, data []byte) store.Hash {
	t.Helper()
	h, n, err := bs.Put(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", len(data), err)
	}
	if want := store.Hash(sha256.Sum256(data)); h != want {
		t.Errorf("Put: hash %v, want %v", h, want)
	}
	if n != int64(len(data)) {
		t.Errorf("Put: size %d, want %d", n, len(data))
	}
	return h
}

func readBlob(t *testing.T, bs store.BlobStore, h store.Hash, off, n int64) []byte {
	t.Helper()
	rc, err := bs.Open(context.Background(), h, off, n)
	if err != nil {
		t.Fatalf("Open(%v, %d, %d): %v", h, off, n, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read blob %v [%d,+%d]: %v", h, off, n, err)
	}
	return data
}

func testBlobPutOpen(t *testing.T, bs store.BlobStore) {
	for _, data := range [][]byte{nil, []byte("x"), []byte("Subject: hi\r\n\r\nbody\r\n")} {
		h := putBlob(t, bs, data)
		if got := readBlob(t, bs, h, 0, -1); !bytes.Equal(got, data) {
			t.Errorf("Open(%v) = %q, want %q", h, got, data)
		}
		n, err := bs.Size(context.Background(), h)
		if err != nil || n != int64(len(data)) {
			t.Errorf("Size(%v) = %d, %v; want %d", h, n, err, len(data))
		}
	}
}

// mailLike returns compressible text the size of a message.
func mailLike(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "Line %d of a message that compresses well, %x.\r\n", i, i*31)
	}
	return b.Bytes()[:n]
}

func randomBytes(n int) []byte {
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	b := make([]byte, n)
	r.Read(b)
	return b
}

func testBlobRanges(t *testing.T, bs store.BlobStore) {
	for _, data := range [][]byte{mailLike(300 << 10), randomBytes(200 << 10)} {
		h := putBlob(t, bs, data)
		size := int64(len(data))
		cases := []struct{ off, n int64 }{
			{0, -1}, {0, 0}, {0, 1}, {1, 10}, {size - 1, 1}, {size - 1, 10},
			{size, -1}, {size, 5}, {size + 100, 5}, {65535, 2}, {65536, 70000},
			{131071, 131074}, {100000, -1}, {5, size}, {0, size + 1},
		}
		for _, c := range cases {
			got := readBlob(t, bs, h, c.off, c.n)
			lo := min(c.off, size)
			hi := size
			if c.n >= 0 {
				hi = min(lo+c.n, size)
			}
			if !bytes.Equal(got, data[lo:hi]) {
				t.Errorf("Open(%d, %d) = %d bytes, want %d bytes [%d:%d]",
					c.off, c.n, len(got), hi-lo, lo, hi)
			}
		}
	}
}

func testBlobLarge(t *testing.T, bs store.BlobStore, size int) {
	for _, data := range [][]byte{mailLike(size + size/5), randomBytes(size)} {
		h := putBlob(t, bs, data)
		if got := readBlob(t, bs, h, 0, -1); !bytes.Equal(got, data) {
			t.Errorf("Open(large) = %d bytes, not the %d put", len(got), len(data))
		}
		off := int64(len(data)/3 - 7)
		n := int64(len(data) / 5)
		if got := readBlob(t, bs, h, off, n); !bytes.Equal(got, data[off:off+n]) {
			t.Errorf("Open(large, %d, %d) differs", off, n)
		}
		if n, err := bs.Size(context.Background(), h); err != nil || n != int64(len(data)) {
			t.Errorf("Size(large) = %d, %v; want %d", n, err, len(data))
		}
	}
}

func walkAll(t *testing.T, bs store.BlobStore) map[store.Hash]int64 {
	t.Helper()
	got := make(map[store.Hash]int64)
	err := bs.Walk(context.Background(), func(h store.Hash, size int64) error {
		if _, dup := got[h]; dup {
			t.Errorf("Walk listed %v twice", h)
		}
		got[h] = size
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return got
}

func testBlobDedup(t *testing.T, bs store.BlobStore) {
	data := mailLike(10 << 10)
	h1 := putBlob(t, bs, data)
	h2 := putBlob(t, bs, data)
	if h1 != h2 {
		t.Fatalf("same content, two hashes: %v, %v", h1, h2)
	}
	if got := walkAll(t, bs); len(got) != 1 || got[h1] != int64(len(data)) {
		t.Errorf("Walk after putting one content twice = %v, want one blob", got)
	}
}

func testBlobMissing(t *testing.T, bs store.BlobStore) {
	ctx := context.Background()
	h := store.Hash(sha256.Sum256([]byte("never stored")))
	if _, err := bs.Open(ctx, h, 0, -1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Open(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := bs.Size(ctx, h); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Size(missing) error = %v, want ErrNotFound", err)
	}
	if err := bs.Delete(ctx, h); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
}

func testBlobDelete(t *testing.T, bs store.BlobStore) {
	ctx := context.Background()
	keep := putBlob(t, bs, []byte("keep"))
	gone := putBlob(t, bs, mailLike(200<<10))
	if err := bs.Delete(ctx, gone); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := bs.Open(ctx, gone, 0, -1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Open(deleted) error = %v, want ErrNotFound", err)
	}
	if got := walkAll(t, bs); len(got) != 1 || got[keep] != 4 {
		t.Errorf("Walk after delete = %v, want only %v", got, keep)
	}
	// Content can be stored again after deletion.
	putBlob(t, bs, mailLike(200<<10))
	if got := readBlob(t, bs, gone, 0, -1); !bytes.Equal(got, mailLike(200<<10)) {
		t.Errorf("blob stored again after delete reads back wrong")
	}
}

func testBlobWalk(t *testing.T, bs store.BlobStore) {
	want := make(map[store.Hash]int64)
	for i := range 20 {
		data := mailLike(100 + i*1000)
		want[putBlob(t, bs, data)] = int64(len(data))
	}
	got := walkAll(t, bs)
	if len(got) != len(want) {
		t.Errorf("Walk listed %d blobs, want %d", len(got), len(want))
	}
	for h, n := range want {
		if got[h] != n {
			t.Errorf("Walk: %v has size %d, want %d", h, got[h], n)
		}
	}
	calls := 0
	err := bs.Walk(context.Background(), func(h store.Hash, size int64) error {
		calls++
		return store.ErrStop
	})
	if err != nil || calls != 1 {
		t.Errorf("Walk stopped by ErrStop: %v after %d calls; want nil after 1", err, calls)
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func testBlobFailedPut(t *testing.T, bs store.BlobStore) {
	broken := errors.New("connection reset")
	r := &failingReader{data: mailLike(300 << 10), err: broken}
	if _, _, err := bs.Put(context.Background(), r); !errors.Is(err, broken) {
		t.Errorf("Put from a failing reader: error %v, want %v", err, broken)
	}
	if got := walkAll(t, bs); len(got) != 0 {
		t.Errorf("failed Put left blobs behind: %v", got)
	}
}

func testBlobConcurrent(t *testing.T, bs store.BlobStore) {
	data := mailLike(150 << 10)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			payload := data
			if i%2 == 1 {
				payload = mailLike(1000 + i)
			}
			if _, _, err := bs.Put(context.Background(), bytes.NewReader(payload)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Put: %v", err)
	}
	h := store.Hash(sha256.Sum256(data))
	if got := readBlob(t, bs, h, 0, -1); !bytes.Equal(got, data) {
		t.Errorf("blob put concurrently reads back %d bytes, want %d", len(got), len(data))
	}
	if got := walkAll(t, bs); len(got) != 5 {
		t.Errorf("Walk after concurrent puts: %d blobs, want 5", len(got))
	}
}
