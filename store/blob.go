package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// Hash is the SHA-256 of a blob's content; blobs are addressed by it.
type Hash [sha256.Size]byte

// String returns the hash in lower-case hexadecimal.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash parses a hash written by Hash.String.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("parse hash %q: wrong length", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("parse hash %q: %w", s, err)
	}
	return h, nil
}

// BlobStore keeps immutable blobs addressed by the SHA-256 of their
// content. Putting the same content twice stores it once. Which blobs are
// still in use is recorded by the caller (see BlobRefs); a BlobStore only
// stores, reads, lists and deletes.
//
// Implementations must be safe for concurrent use.
type BlobStore interface {
	// Put reads r to the end and stores its content. It returns the
	// content's hash and size once the blob is durable. Storing content
	// that already exists is cheap and not an error.
	Put(ctx context.Context, r io.Reader) (Hash, int64, error)

	// Open returns a reader over length bytes of the blob starting at
	// offset; length < 0 means to the end. A range past the end is cut
	// short, not an error. The caller closes the reader. Returns
	// ErrNotFound if the blob does not exist.
	Open(ctx context.Context, h Hash, offset, length int64) (io.ReadCloser, error)

	// Size returns the blob's size in bytes, or ErrNotFound.
	Size(ctx context.Context, h Hash) (int64, error)

	// Delete removes the blob. Deleting a missing blob is not an error.
	Delete(ctx context.Context, h Hash) error

	// Walk calls fn for every stored blob, in no particular order. If fn
	// returns ErrStop the walk ends and Walk returns nil.
	Walk(ctx context.Context, fn func(h Hash, size int64) error) error
}
