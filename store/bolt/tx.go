package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/bulwarkmail/bulwark/store"
)

// errTxDone is returned when a transaction is used after its function
// returned.
var errTxDone = errors.New("bolt: transaction has ended")

// txn adapts a bbolt transaction to store.Tx. It remembers the last
// bucket used, since most functions work in one space at a time.
type txn struct {
	btx    *bbolt.Tx
	done   bool
	space  store.Space
	bucket *bbolt.Bucket
}

var _ store.Tx = (*txn)(nil)

func (tx *txn) end() { tx.done = true }

// Writable reports whether tx may write.
func (tx *txn) Writable() bool { return tx.btx.Writable() }

// read returns the bucket of space, or nil when it does not exist yet.
func (tx *txn) read(space store.Space) (*bbolt.Bucket, error) {
	if tx.done {
		return nil, errTxDone
	}
	if tx.bucket != nil && tx.space == space {
		return tx.bucket, nil
	}
	if !store.ValidSpace(space) {
		return nil, fmt.Errorf("%w: %q", store.ErrInvalidSpace, space)
	}
	b := tx.btx.Bucket([]byte(space))
	if b != nil {
		tx.space, tx.bucket = space, b
	}
	return b, nil
}

// write returns the bucket of space, creating it if needed.
func (tx *txn) write(space store.Space, key []byte) (*bbolt.Bucket, error) {
	if tx.done {
		return nil, errTxDone
	}
	if !tx.btx.Writable() {
		return nil, store.ErrReadOnly
	}
	if len(key) == 0 {
		return nil, errors.New("bolt: empty key")
	}
	if tx.bucket != nil && tx.space == space {
		return tx.bucket, nil
	}
	if !store.ValidSpace(space) {
		return nil, fmt.Errorf("%w: %q", store.ErrInvalidSpace, space)
	}
	b, err := tx.btx.CreateBucketIfNotExists([]byte(space))
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", space, err)
	}
	tx.space, tx.bucket = space, b
	return b, nil
}

// Get returns the value under key, or store.ErrNotFound.
func (tx *txn) Get(space store.Space, key []byte) ([]byte, error) {
	b, err := tx.read(space)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, store.ErrNotFound
	}
	v := b.Get(key)
	if v == nil {
		return nil, store.ErrNotFound
	}
	return v, nil
}

// Put stores value under key. bbolt keeps the slices it is given until
// the commit, so Put stores copies.
func (tx *txn) Put(space store.Space, key, value []byte) error {
	b, err := tx.write(space, key)
	if err != nil {
		return err
	}
	buf := make([]byte, len(key)+len(value))
	copy(buf, key)
	copy(buf[len(key):], value)
	if err := b.Put(buf[:len(key):len(key)], buf[len(key):]); err != nil {
		return fmt.Errorf("put %s: %w", space, err)
	}
	return nil
}

// Delete removes key.
func (tx *txn) Delete(space store.Space, key []byte) error {
	b, err := tx.write(space, key)
	if err != nil {
		return err
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("delete %s: %w", space, err)
	}
	return nil
}

// Scan walks the keys of r with a bbolt cursor.
func (tx *txn) Scan(space store.Space, r store.Range, fn func(k, v []byte) error) error {
	b, err := tx.read(space)
	if err != nil || b == nil {
		return err
	}
	c := b.Cursor()
	var k, v []byte
	next := c.Next
	switch {
	case !r.Reverse && r.Start == nil:
		k, v = c.First()
	case !r.Reverse:
		k, v = c.Seek(r.Start)
	case r.End == nil:
		k, v = c.Last()
		next = c.Prev
	default:
		next = c.Prev
		// Seek finds the first key >= End; the scan starts before it.
		if k, v = c.Seek(r.End); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for n := 0; k != nil; k, v = next() {
		if !r.Reverse && r.End != nil && bytes.Compare(k, r.End) >= 0 {
			break
		}
		if r.Reverse && r.Start != nil && bytes.Compare(k, r.Start) < 0 {
			break
		}
		if err := fn(k, v); err != nil {
			if errors.Is(err, store.ErrStop) {
				return nil
			}
			return err
		}
		if n++; r.Limit > 0 && n >= r.Limit {
			break
		}
	}
	return nil
}

// Add adds delta to the 8-byte big-endian counter under key.
func (tx *txn) Add(space store.Space, key []byte, delta uint64) (uint64, error) {
	b, err := tx.write(space, key)
	if err != nil {
		return 0, err
	}
	var n uint64
	if v := b.Get(key); v != nil {
		if len(v) != 8 {
			return 0, fmt.Errorf("bolt: counter %s/%x holds %d bytes", space, key, len(v))
		}
		n = binary.BigEndian.Uint64(v)
	}
	n += delta
	buf := make([]byte, len(key)+8)
	copy(buf, key)
	binary.BigEndian.PutUint64(buf[len(key):], n)
	if err := b.Put(buf[:len(key):len(key)], buf[len(key):]); err != nil {
		return 0, fmt.Errorf("add %s: %w", space, err)
	}
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
	if len(v) != 8 {
		return 0, fmt.Errorf("bolt: counter %s/%x holds %d bytes", space, key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
