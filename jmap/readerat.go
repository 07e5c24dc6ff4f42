package jmap

import (
	"context"
	"io"

	"github.com/bulwarkmail/bulwark/store"
)

// blobReaderAt reads a blob at offsets, keeping one open stream so that
// sequential reads (the usual case) open the blob once.
type blobReaderAt struct {
	ctx   context.Context
	blobs store.BlobStore
	hash  store.Hash
	cur   io.ReadCloser
	pos   int64
}

func (b *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if b.cur == nil || b.pos != off {
		b.Close()
		rc, err := b.blobs.Open(b.ctx, b.hash, off, -1)
		if err != nil {
			return 0, err
		}
		b.cur, b.pos = rc, off
	}
	n, err := io.ReadFull(b.cur, p)
	b.pos += int64(n)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// Close ends the open stream.
func (b *blobReaderAt) Close() error {
	if b.cur == nil {
		return nil
	}
	err := b.cur.Close()
	b.cur = nil
	return err
}
