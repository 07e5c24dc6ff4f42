package kvblob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bulwarkmail/bulwark/store"
)

// Open returns a reader over a range of the blob. Each chunk is read in
// its own short transaction as the reader advances.
func (s *Store) Open(ctx context.Context, h store.Hash,
	offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, errors.New("kvblob: negative offset")
	}
	var m meta
	err := s.kv.View(ctx, func(tx store.Tx) error {
		var err error
		m, err = s.getMeta(tx, h)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %v: %w", h, err)
	}
	offset = min(offset, m.size)
	if length < 0 || offset+length > m.size {
		length = m.size - offset
	}
	return &reader{s: s, ctx: ctx, m: m, pos: offset, end: offset + length}, nil
}

type reader struct {
	s        *Store
	ctx      context.Context
	m        meta
	pos, end int64
	cur      []byte // rest of the current chunk, from pos
}

func (r *reader) Read(p []byte) (int, error) {
	if r.pos >= r.end {
		return 0, io.EOF
	}
	if len(r.cur) == 0 {
		if err := r.load(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.cur[:min(int64(len(r.cur)), r.end-r.pos)])
	r.cur = r.cur[n:]
	r.pos += int64(n)
	return n, nil
}

// load reads the chunk holding pos.
func (r *reader) load() error {
	i := r.pos / r.m.chunk
	var data []byte
	err := r.s.kv.View(r.ctx, func(tx store.Tx) error {
		v, err := tx.Get(r.s.chunk, chunkKey(r.m.id, i))
		data = bytes.Clone(v)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("kvblob: chunk %d of blob %d missing (deleted while read?)", i, r.m.id)
	}
	if err != nil {
		return err
	}
	skip := r.pos - i*r.m.chunk
	if skip >= int64(len(data)) {
		return fmt.Errorf("kvblob: chunk %d of blob %d too short", i, r.m.id)
	}
	r.cur = data[skip:]
	return nil
}

func (r *reader) Close() error {
	r.cur = nil
	r.pos = r.end
	return nil
}
