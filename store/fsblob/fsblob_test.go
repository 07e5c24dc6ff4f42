package fsblob_test

import (
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/fsblob"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

func openTemp(t testing.TB, opts fsblob.Options) *fsblob.Store {
	t.Helper()
	s, err := fsblob.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBlobs(t *testing.T) {
	storetest.TestBlobs(t, func(t *testing.T) store.BlobStore {
		return openTemp(t, fsblob.Options{})
	})
}

func TestBlobsCompressed(t *testing.T) {
	storetest.TestBlobs(t, func(t *testing.T) store.BlobStore {
		return openTemp(t, fsblob.Options{Compress: true})
	})
}
