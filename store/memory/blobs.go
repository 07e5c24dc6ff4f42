package memory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/bulwarkmail/bulwark/store"
)

// Blobs is an in-memory store.BlobStore.
type Blobs struct {
	mu    sync.RWMutex
	blobs map[store.Hash][]byte
}

var _ store.BlobStore = (*Blobs)(nil)

// NewBlobs returns an empty in-memory blob store.
func NewBlobs() *Blobs {
	return &Blobs{blobs: make(map[store.Hash][]byte)}
}

// Put reads r to the end and keeps its content.
func (b *Blobs) Put(ctx context.Context, r io.Reader) (store.Hash, int64, error) {
	var h store.Hash
	var buf bytes.Buffer
	d := sha256.New()
	n, err := io.Copy(io.MultiWriter(&buf, d), readerCtx{ctx, r})
	if err != nil {
		return h, 0, fmt.Errorf("put blob: %w", err)
	}
	d.Sum(h[:0])
	b.mu.Lock()
	if _, ok := b.blobs[h]; !ok {
		b.blobs[h] = buf.Bytes()
	}
	b.mu.Unlock()
	return h, n, nil
}

// Open returns a reader over a range of the blob.
func (b *Blobs) Open(ctx context.Context, h store.Hash,
	offset, length int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.RLock()
	data, ok := b.blobs[h]
	b.mu.RUnlock()
	if !ok {
		return nil, store.ErrNotFound
	}
	if offset < 0 {
		return nil, errors.New("memory: negative blob offset")
	}
	offset = min(offset, int64(len(data)))
	end := int64(len(data))
	if length >= 0 && offset+length < end {
		end = offset + length
	}
	return io.NopCloser(bytes.NewReader(data[offset:end])), nil
}

// Size returns the blob's size.
func (b *Blobs) Size(ctx context.Context, h store.Hash) (int64, error) {
	b.mu.RLock()
	data, ok := b.blobs[h]
	b.mu.RUnlock()
	if !ok {
		return 0, store.ErrNotFound
	}
	return int64(len(data)), nil
}

// Delete removes the blob.
func (b *Blobs) Delete(ctx context.Context, h store.Hash) error {
	b.mu.Lock()
	delete(b.blobs, h)
	b.mu.Unlock()
	return nil
}

// Walk calls fn for every blob. fn may put and delete blobs.
func (b *Blobs) Walk(ctx context.Context, fn func(h store.Hash, size int64) error) error {
	type entry struct {
		h    store.Hash
		size int64
	}
	b.mu.RLock()
	list := make([]entry, 0, len(b.blobs))
	for h, data := range b.blobs {
		list = append(list, entry{h, int64(len(data))})
	}
	b.mu.RUnlock()
	for _, e := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e.h, e.size); err != nil {
			if errors.Is(err, store.ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// readerCtx stops a copy when its context ends.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
