package kvblob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// Options configures a Store. The zero value is safe.
type Options struct {
	// Space is the stem of the store's space names: Space+"_meta",
	// Space+"_chunk", Space+"_upload" and Space+"_ctr". Default "blob".
	Space string

	// ChunkSize is the size of the values blobs are cut into. Default
	// 64 KiB.
	ChunkSize int

	// TxBytes is how much of a blob one transaction writes. A blob up to
	// this size is stored in a single transaction. Default 1 MiB.
	TxBytes int

	// Logger receives events; nil discards them.
	Logger *slog.Logger
}

// Store is a store.BlobStore kept inside a store.KV, for deployments
// that want all their data in one database. Blobs are cut into chunks
// under an internal id; a meta space maps each hash to its id and size.
type Store struct {
	kv    store.KV
	opts  Options
	log   *slog.Logger
	meta  store.Space
	chunk store.Space
	up    store.Space
	ctr   store.Space
}

var _ store.BlobStore = (*Store)(nil)

// New returns a blob store kept in kv.
func New(kv store.KV, opts Options) (*Store, error) {
	if opts.Space == "" {
		opts.Space = "blob"
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 64 << 10
	}
	if opts.TxBytes < opts.ChunkSize {
		opts.TxBytes = max(1<<20, opts.ChunkSize)
	}
	opts.TxBytes -= opts.TxBytes % opts.ChunkSize
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{kv: kv, opts: opts, log: log,
		meta:  store.Space(opts.Space + "_meta"),
		chunk: store.Space(opts.Space + "_chunk"),
		up:    store.Space(opts.Space + "_upload"),
		ctr:   store.Space(opts.Space + "_ctr"),
	}
	if !store.ValidSpace(s.meta) || !store.ValidSpace(s.chunk) {
		return nil, fmt.Errorf("new kv blob store: %w: %q", store.ErrInvalidSpace, opts.Space)
	}
	return s, nil
}

// meta is the record of one blob: its id, size and chunk size.
type meta struct {
	id    uint64
	size  int64
	chunk int64
}

func (m meta) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, m.id)
	b = binary.BigEndian.AppendUint64(b, uint64(m.size))
	return binary.BigEndian.AppendUint32(b, uint32(m.chunk))
}

func decodeMeta(b []byte) (meta, error) {
	if len(b) != 20 {
		return meta{}, fmt.Errorf("kvblob: blob record of %d bytes", len(b))
	}
	m := meta{
		id:    binary.BigEndian.Uint64(b),
		size:  int64(binary.BigEndian.Uint64(b[8:])),
		chunk: int64(binary.BigEndian.Uint32(b[16:])),
	}
	if m.chunk <= 0 || m.size < 0 {
		return meta{}, fmt.Errorf("kvblob: bad blob record")
	}
	return m, nil
}

func chunkKey(id uint64, i int64) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(nil, id), uint32(i))
}

func (s *Store) getMeta(tx store.Tx, h store.Hash) (meta, error) {
	v, err := tx.Get(s.meta, h[:])
	if err != nil {
		return meta{}, err
	}
	return decodeMeta(v)
}

// Put stores r's content. Content that fits in Options.TxBytes takes
// one transaction; larger content is written in several, under an
// upload record that CleanUploads removes if the writer dies.
func (s *Store) Put(ctx context.Context, r io.Reader) (store.Hash, int64, error) {
	var h store.Hash
	buf := make([]byte, s.opts.TxBytes)
	n, err := io.ReadFull(r, buf)
	d := sha256.New()
	d.Write(buf[:n])
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		d.Sum(h[:0])
		err = s.kv.Update(ctx, func(tx store.Tx) error {
			return s.putSmall(tx, h, buf[:n])
		})
		if err != nil {
			return h, 0, fmt.Errorf("put blob: %w", err)
		}
		return h, int64(n), nil
	}
	if err != nil {
		return h, 0, fmt.Errorf("put blob: %w", err)
	}
	return s.putLarge(ctx, r, buf, d)
}

func (s *Store) putSmall(tx store.Tx, h store.Hash, data []byte) error {
	if _, err := tx.Get(s.meta, h[:]); err == nil {
		return nil // already stored
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	id, err := tx.Add(s.ctr, []byte("id"), 1)
	if err != nil {
		return err
	}
	if err := s.putChunks(tx, id, 0, data); err != nil {
		return err
	}
	m := meta{id: id, size: int64(len(data)), chunk: int64(s.opts.ChunkSize)}
	return tx.Put(s.meta, h[:], m.encode())
}

// putChunks writes data as chunks first, first+1, ...
func (s *Store) putChunks(tx store.Tx, id uint64, first int64, data []byte) error {
	cs := s.opts.ChunkSize
	for i := 0; i*cs < len(data); i++ {
		end := min((i+1)*cs, len(data))
		if err := tx.Put(s.chunk, chunkKey(id, first+int64(i)), data[i*cs:end]); err != nil {
			return err
		}
	}
	return nil
}

// putLarge writes a blob bigger than one transaction; buf holds its
// first TxBytes bytes, already hashed into d.
func (s *Store) putLarge(ctx context.Context, r io.Reader, buf []byte,
	d hash.Hash) (store.Hash, int64, error) {
	var h store.Hash
	var id uint64
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		var err error
		if id, err = tx.Add(s.ctr, []byte("id"), 1); err != nil {
			return err
		}
		stamp := binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano()))
		return tx.Put(s.up, binary.BigEndian.AppendUint64(nil, id), stamp)
	})
	if err != nil {
		return h, 0, fmt.Errorf("put blob: %w", err)
	}
	total, chunks, data := int64(0), int64(0), buf
	for len(data) > 0 {
		err = s.kv.Update(ctx, func(tx store.Tx) error { return s.putChunks(tx, id, chunks, data) })
		if err != nil {
			break
		}
		total += int64(len(data))
		chunks += int64((len(data) + s.opts.ChunkSize - 1) / s.opts.ChunkSize)
		var n int
		n, err = io.ReadFull(r, buf)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = nil
		}
		if err != nil {
			break
		}
		d.Write(buf[:n])
		data = buf[:n]
	}
	if err == nil {
		d.Sum(h[:0])
		err = s.kv.Update(ctx, func(tx store.Tx) error {
			return s.finish(tx, h, id, total, chunks)
		})
	}
	if err != nil {
		s.abandon(id, chunks)
		return h, 0, fmt.Errorf("put blob: %w", err)
	}
	return h, total, nil
}

// finish records a large upload under its hash, or drops it when the
// content was stored meanwhile.
func (s *Store) finish(tx store.Tx, h store.Hash, id uint64, size, chunks int64) error {
	if err := tx.Delete(s.up, binary.BigEndian.AppendUint64(nil, id)); err != nil {
		return err
	}
	if _, err := tx.Get(s.meta, h[:]); err == nil {
		return s.deleteChunks(tx, id, chunks)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	m := meta{id: id, size: size, chunk: int64(s.opts.ChunkSize)}
	return tx.Put(s.meta, h[:], m.encode())
}

// abandon removes what a failed upload wrote, as far as it can; what
// remains is left to CleanUploads.
func (s *Store) abandon(id uint64, chunks int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		if err := s.deleteChunks(tx, id, chunks+1); err != nil {
			return err
		}
		return tx.Delete(s.up, binary.BigEndian.AppendUint64(nil, id))
	})
	if err != nil {
		s.log.Warn("cannot remove failed blob upload", "id", id, "err", err)
	}
}

func (s *Store) deleteChunks(tx store.Tx, id uint64, chunks int64) error {
	for i := range chunks {
		if err := tx.Delete(s.chunk, chunkKey(id, i)); err != nil {
			return err
		}
	}
	return nil
}

// Size returns the blob's size.
func (s *Store) Size(ctx context.Context, h store.Hash) (int64, error) {
	var m meta
	err := s.kv.View(ctx, func(tx store.Tx) error {
		var err error
		m, err = s.getMeta(tx, h)
		return err
	})
	return m.size, err
}

// Delete removes the blob and its chunks.
func (s *Store) Delete(ctx context.Context, h store.Hash) error {
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		m, err := s.getMeta(tx, h)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.Delete(s.meta, h[:]); err != nil {
			return err
		}
		return s.deleteChunks(tx, m.id, (m.size+m.chunk-1)/m.chunk)
	})
	if err != nil {
		return fmt.Errorf("delete blob %v: %w", h, err)
	}
	return nil
}

// Walk lists the blobs; fn runs outside any transaction.
func (s *Store) Walk(ctx context.Context, fn func(h store.Hash, size int64) error) error {
	type entry struct {
		h    store.Hash
		size int64
	}
	var list []entry
	err := s.kv.View(ctx, func(tx store.Tx) error {
		list = list[:0]
		return tx.Scan(s.meta, store.Range{}, func(k, v []byte) error {
			m, err := decodeMeta(v)
			if err != nil || len(k) != len(store.Hash{}) {
				return fmt.Errorf("kvblob: bad blob record %x", k)
			}
			list = append(list, entry{store.Hash(k), m.size})
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("walk blobs: %w", err)
	}
	for _, e := range list {
		if err := fn(e.h, e.size); err != nil {
			if errors.Is(err, store.ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// CleanUploads removes the chunks of uploads that began more than
// olderThan ago and never finished, as when the writer died.
func (s *Store) CleanUploads(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := uint64(time.Now().Add(-olderThan).UnixNano())
	var ids []uint64
	err := s.kv.View(ctx, func(tx store.Tx) error {
		ids = ids[:0]
		return tx.Scan(s.up, store.Range{}, func(k, v []byte) error {
			if len(k) == 8 && len(v) == 8 && binary.BigEndian.Uint64(v) < cutoff {
				ids = append(ids, binary.BigEndian.Uint64(k))
			}
			return nil
		})
	})
	for _, id := range ids {
		if err != nil {
			break
		}
		err = s.kv.Update(ctx, func(tx store.Tx) error {
			var keys [][]byte
			err := tx.Scan(s.chunk, store.Prefix(binary.BigEndian.AppendUint64(nil, id)),
				func(k, v []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
			for _, k := range keys {
				if err == nil {
					err = tx.Delete(s.chunk, k)
				}
			}
			if err != nil {
				return err
			}
			return tx.Delete(s.up, binary.BigEndian.AppendUint64(nil, id))
		})
	}
	if err != nil {
		return 0, fmt.Errorf("clean blob uploads: %w", err)
	}
	return len(ids), nil
}
