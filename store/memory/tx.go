package memory

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// errTxDone is returned when a transaction is used after its function
// returned.
var errTxDone = errors.New("memory: transaction has ended")

// txn is a transaction on a KV. Write transactions copy a space's tree
// on its first write (dirty) and publish the copies on commit.
type txn struct {
	snap  *snapshot
	kv    *KV // nil for read-only transactions
	dirty map[store.Space]*tree
	done  bool
}

var _ store.Tx = (*txn)(nil)

func (tx *txn) end() { tx.done = true }

// Writable reports whether tx may write.
func (tx *txn) Writable() bool { return tx.kv != nil }

// read returns the tree tx reads space from, or nil when it is empty.
func (tx *txn) read(space store.Space) (*tree, error) {
	if tx.done {
		return nil, errTxDone
	}
	if !store.ValidSpace(space) {
		return nil, fmt.Errorf("%w: %q", store.ErrInvalidSpace, space)
	}
	if t, ok := tx.dirty[space]; ok {
		return t, nil
	}
	if tx.kv != nil {
		return tx.kv.base[space], nil
	}
	return tx.snap.spaces[space], nil
}

// write returns the private tree tx writes space to.
func (tx *txn) write(space store.Space, key []byte) (*tree, error) {
	if tx.done {
		return nil, errTxDone
	}
	if tx.kv == nil {
		return nil, store.ErrReadOnly
	}
	if !store.ValidSpace(space) {
		return nil, fmt.Errorf("%w: %q", store.ErrInvalidSpace, space)
	}
	if len(key) == 0 {
		return nil, errors.New("memory: empty key")
	}
	if t, ok := tx.dirty[space]; ok {
		return t, nil
	}
	var t *tree
	if b := tx.kv.base[space]; b != nil {
		t = b.Copy()
	} else {
		t = newTree()
	}
	tx.dirty[space] = t
	return t, nil
}

// Get returns the value under key, or store.ErrNotFound.
func (tx *txn) Get(space store.Space, key []byte) ([]byte, error) {
	t, err := tx.read(space)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, store.ErrNotFound
	}
	it, ok := t.Get(item{key: key})
	if !ok {
		return nil, store.ErrNotFound
	}
	return it.value, nil
}

// Put stores a copy of key and value.
func (tx *txn) Put(space store.Space, key, value []byte) error {
	t, err := tx.write(space, key)
	if err != nil {
		return err
	}
	buf := make([]byte, len(key)+len(value))
	copy(buf, key)
	copy(buf[len(key):], value)
	t.Set(item{key: buf[:len(key):len(key)], value: buf[len(key):]})
	return nil
}

// Delete removes key.
func (tx *txn) Delete(space store.Space, key []byte) error {
	t, err := tx.write(space, key)
	if err != nil {
		return err
	}
	t.Delete(item{key: key})
	return nil
}

// Scan walks the keys of r in order.
func (tx *txn) Scan(space store.Space, r store.Range, fn func(k, v []byte) error) error {
	t, err := tx.read(space)
	if err != nil || t == nil {
		return err
	}
	n := 0
	var ferr error
	visit := func(it item) bool {
		if r.Reverse && r.Start != nil && bytes.Compare(it.key, r.Start) < 0 {
			return false
		}
		if !r.Reverse && r.End != nil && bytes.Compare(it.key, r.End) >= 0 {
			return false
		}
		if ferr = fn(it.key, it.value); ferr != nil {
			return false
		}
		n++
		return r.Limit <= 0 || n < r.Limit
	}
	switch {
	case !r.Reverse:
		t.Ascend(item{key: r.Start}, visit)
	case r.End == nil:
		t.Reverse(visit)
	default:
		t.Descend(item{key: r.End}, func(it item) bool {
			if bytes.Equal(it.key, r.End) {
				return true
			}
			return visit(it)
		})
	}
	if errors.Is(ferr, store.ErrStop) {
		return nil
	}
	return ferr
}

// Add adds delta to the counter under key and returns the new value.
func (tx *txn) Add(space store.Space, key []byte, delta uint64) (uint64, error) {
	t, err := tx.write(space, key)
	if err != nil {
		return 0, err
	}
	var n uint64
	if it, ok := t.Get(item{key: key}); ok {
		if n, err = decodeCounter(it.value); err != nil {
			return 0, err
		}
	}
	n += delta
	buf := make([]byte, len(key)+8)
	copy(buf, key)
	binary.BigEndian.PutUint64(buf[len(key):], n)
	t.Set(item{key: buf[:len(key):len(key)], value: buf[len(key):]})
	return n, nil
}

// Counter returns the counter under key, zero if missing.
func (tx *txn) Counter(space store.Space, key []byte) (uint64, error) {
	v, err := tx.Get(space, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return decodeCounter(v)
}

func decodeCounter(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("memory: counter holds %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
