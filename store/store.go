package store

import (
	"context"
	"errors"
)

// Space names a keyspace (a "subspace") inside a KV store. Values,
// indexes, counters, logs and blob references live in separate spaces so
// that each can be scanned, sized and migrated on its own. A space name is
// a short ASCII identifier ([a-z0-9_]+); adapters map it to a bbolt
// bucket, an SQL table or an in-memory tree.
type Space string

// Errors returned by every adapter.
var (
	// ErrNotFound is returned by Tx.Get when the key does not exist, and
	// by BlobStore methods when no blob has the given hash.
	ErrNotFound = errors.New("store: not found")

	// ErrReadOnly is returned by a write inside a read-only transaction.
	ErrReadOnly = errors.New("store: read-only transaction")

	// ErrClosed is returned by a store that has been closed.
	ErrClosed = errors.New("store: closed")

	// ErrConflict is returned by Update when the transaction could not be
	// committed because of concurrent writers, after the adapter's own
	// retries were exhausted.
	ErrConflict = errors.New("store: transaction conflict")

	// ErrStop may be returned by a Scan callback to end the scan early;
	// Scan then returns nil.
	ErrStop = errors.New("store: stop scan")

	// ErrInvalidSpace is returned for a space name outside [a-z0-9_]+.
	ErrInvalidSpace = errors.New("store: invalid space name")
)

// KV is an ordered, transactional key-value store. Keys are ordered
// byte-wise (bytes.Compare) within each space.
//
// Implementations must be safe for concurrent use.
type KV interface {
	// View runs fn in a read-only transaction that sees a consistent
	// snapshot of the store.
	View(ctx context.Context, fn func(tx Tx) error) error

	// Update runs fn in a read-write transaction. Either every write of fn
	// is committed or none is. If fn returns an error the transaction is
	// rolled back and Update returns that error. An adapter may run fn
	// more than once when a commit conflicts with a concurrent writer
	// (SQL serialisation failures); fn must therefore have no side
	// effects outside the transaction. Update returns once the commit is
	// durable.
	Update(ctx context.Context, fn func(tx Tx) error) error

	// Close releases the store. Transactions in progress finish first.
	Close() error
}

// Tx is a transaction on a KV store. A Tx must only be used inside the
// function it was passed to, from one goroutine.
//
// Byte slices returned by Get and passed to Scan callbacks are valid only
// until the transaction ends; callers that keep them must copy them. Keys
// and values passed to Put may be reused by the caller once Put returns.
type Tx interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(space Space, key []byte) ([]byte, error)

	// Put stores value under key, replacing any previous value. Keys must
	// be non-empty; values may be empty.
	Put(space Space, key, value []byte) error

	// Delete removes key. Deleting a missing key is not an error.
	Delete(space Space, key []byte) error

	// Scan calls fn for every key in r, in ascending byte-wise order, or
	// descending when r.Reverse is set, stopping after r.Limit keys when
	// r.Limit > 0. If fn returns ErrStop the scan ends and Scan returns
	// nil; any other error ends the scan and is returned. fn must not
	// write to the space being scanned.
	Scan(space Space, r Range, fn func(key, value []byte) error) error

	// Add adds delta to the unsigned 64-bit counter stored under key
	// (a missing counter counts as zero) and returns the new value.
	// Counters live in their own spaces; a counter key must not also hold
	// a plain value. Concurrent transactions never observe the same
	// value: UIDs, MODSEQs and ids are drawn from counters.
	Add(space Space, key []byte, delta uint64) (uint64, error)

	// Counter returns the current value of a counter, zero if missing.
	Counter(space Space, key []byte) (uint64, error)

	// Writable reports whether the transaction may write.
	Writable() bool
}

// Range selects the keys of a scan: those k with Start <= k < End.
// A nil Start means from the first key; a nil End means to the last key.
type Range struct {
	Start   []byte
	End     []byte
	Reverse bool
	Limit   int
}

// Prefix returns the range of all keys that begin with p.
func Prefix(p []byte) Range {
	return Range{Start: p, End: PrefixEnd(p)}
}

// PrefixEnd returns the smallest key greater than every key that begins
// with p, or nil if there is none (p is empty or all 0xff bytes).
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// ValidSpace reports whether s is a valid space name.
func ValidSpace(s Space) bool {
	if len(s) == 0 || len(s) > 48 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
