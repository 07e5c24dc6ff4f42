package memory_test

import (
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/memory"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

func TestKV(t *testing.T) {
	storetest.TestKV(t, func(t *testing.T) store.KV {
		kv := memory.New()
		t.Cleanup(func() { kv.Close() })
		return kv
	})
}

func TestBlobs(t *testing.T) {
	storetest.TestBlobs(t, func(t *testing.T) store.BlobStore {
		return memory.NewBlobs()
	})
}
