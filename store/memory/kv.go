package memory

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tidwall/btree"

	"github.com/bulwarkmail/bulwark/store"
)

// KV is an in-memory store.KV. Readers see a consistent snapshot and never
// wait for the writer; writers run one at a time. Each space is a
// copy-on-write B-tree, so a snapshot costs a pointer copy per space.
type KV struct {
	// writer holds a token while a write transaction runs.
	writer chan struct{}
	// base holds the writer's private copy of every committed tree. Only
	// the goroutine holding the writer token touches it. Trees in base
	// are never visible to readers: each commit publishes a copy.
	base map[store.Space]*tree
	snap atomic.Pointer[snapshot]

	closeMu sync.RWMutex
	closed  bool
}

var _ store.KV = (*KV)(nil)

type item struct {
	key, value []byte
}

type tree = btree.BTreeG[item]

func less(a, b item) bool { return bytes.Compare(a.key, b.key) < 0 }

func newTree() *tree {
	return btree.NewBTreeGOptions(less, btree.Options{NoLocks: true})
}

// snapshot is an immutable view of every space.
type snapshot struct {
	spaces map[store.Space]*tree
}

// New returns an empty in-memory store.
func New() *KV {
	kv := &KV{
		writer: make(chan struct{}, 1),
		base:   make(map[store.Space]*tree),
	}
	kv.snap.Store(&snapshot{spaces: map[store.Space]*tree{}})
	return kv
}

// View runs fn on the snapshot committed when View starts.
func (kv *KV) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := kv.enter(ctx); err != nil {
		return err
	}
	defer kv.closeMu.RUnlock()
	tx := &txn{snap: kv.snap.Load()}
	defer tx.end()
	return fn(tx)
}

// Update runs fn in a write transaction. Writers run one at a time; fn's
// writes become visible to new readers atomically when fn returns nil.
func (kv *KV) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := kv.enter(ctx); err != nil {
		return err
	}
	defer kv.closeMu.RUnlock()
	select {
	case kv.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("update: %w", ctx.Err())
	}
	defer func() { <-kv.writer }()

	tx := &txn{snap: kv.snap.Load(), kv: kv, dirty: map[store.Space]*tree{}}
	defer tx.end()
	if err := fn(tx); err != nil {
		return err
	}
	kv.commit(tx)
	return nil
}

// enter checks the store is open and holds a read lock on closing.
func (kv *KV) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	kv.closeMu.RLock()
	if kv.closed {
		kv.closeMu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// commit publishes the trees fn changed as a new snapshot.
func (kv *KV) commit(tx *txn) {
	if len(tx.dirty) == 0 {
		return
	}
	old := kv.snap.Load()
	spaces := make(map[store.Space]*tree, len(old.spaces)+len(tx.dirty))
	for s, t := range old.spaces {
		spaces[s] = t
	}
	for s, t := range tx.dirty {
		kv.base[s] = t
		spaces[s] = t.Copy()
	}
	kv.snap.Store(&snapshot{spaces: spaces})
}

// Close marks the store closed once running transactions have finished.
func (kv *KV) Close() error {
	kv.closeMu.Lock()
	defer kv.closeMu.Unlock()
	kv.closed = true
	return nil
}
