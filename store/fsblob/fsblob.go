package fsblob

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/bulwarkmail/bulwark/store"
)

// Options configures a Store. The zero value is safe: uncompressed,
// synced writes.
type Options struct {
	// Compress stores new blobs zstd-compressed in independent frames, so
	// that byte ranges are read without decompressing from the start.
	// Readers never notice: blobs written with and without compression
	// are read alike, whatever the current setting.
	Compress bool

	// NoSync skips fsync of files and folders. A crash may then lose
	// blobs that Put reported durable: for tests only. Default false.
	NoSync bool

	// Logger receives events; nil discards them.
	Logger *slog.Logger
}

// Store is a store.BlobStore in a folder. A blob lives at ab/cd/<hash>
// (ab and cd being the first bytes of the hash in hexadecimal), or at
// ab/cd/<hash>.zst when compressed. New blobs are written to tmp/,
// synced and renamed into place, so a blob is either whole or absent.
type Store struct {
	dir  string
	opts Options
	log  *slog.Logger
	enc  *zstd.Encoder
	dec  *zstd.Decoder
}

var _ store.BlobStore = (*Store)(nil)

const (
	tmpDir    = "tmp"
	zstSuffix = ".zst"
	// staleTemp is the age after which Open removes leftover temporary
	// files of interrupted writes.
	staleTemp = 24 * time.Hour
)

// Open opens or creates a blob store in dir.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0),
		zstd.WithDecodeAllCapLimit(true), zstd.WithDecoderMaxMemory(2*frameSize))
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	s := &Store{dir: dir, opts: opts, log: log, enc: enc, dec: dec}
	if err := s.makeShards(); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	s.removeStale()
	return s, nil
}

// makeShards creates the 256 shard folders once, so that a Put never
// makes a folder and syncs only the shard it renames into.
func (s *Store) makeShards() error {
	made := false
	for i := 0; i < 256; i++ {
		ok, err := mkdir(filepath.Join(s.dir, fmt.Sprintf("%02x", i)))
		if err != nil {
			return err
		}
		made = made || ok
	}
	if made && !s.opts.NoSync {
		return syncDir(s.dir)
	}
	return nil
}

// Close releases the compressor. Open readers stay usable.
func (s *Store) Close() error {
	s.enc.Close()
	return nil
}

// removeStale deletes temporary files left by interrupted writes.
func (s *Store) removeStale() {
	entries, err := os.ReadDir(filepath.Join(s.dir, tmpDir))
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && time.Since(info.ModTime()) > staleTemp {
			p := filepath.Join(s.dir, tmpDir, e.Name())
			if os.Remove(p) == nil {
				s.log.Info("removed stale blob upload", "path", p)
			}
		}
	}
}

// path returns the raw and compressed paths of a blob.
func (s *Store) path(h store.Hash) string {
	x := h.String()
	return filepath.Join(s.dir, x[:2], x)
}

// Put writes r to a temporary file, then renames it into place.
func (s *Store) Put(ctx context.Context, r io.Reader) (store.Hash, int64, error) {
	var h store.Hash
	f, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), "put-*")
	if err != nil {
		return h, 0, fmt.Errorf("put blob: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly once renamed

	d := sha256.New()
	n, err := s.write(ctx, f, r, d)
	if err == nil && !s.opts.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return h, 0, fmt.Errorf("put blob: %w", err)
	}
	d.Sum(h[:0])
	if err := s.install(tmp, h); err != nil {
		return h, 0, fmt.Errorf("put blob %v: %w", h, err)
	}
	return h, n, nil
}

// write copies r into f, raw or compressed, hashing the content.
func (s *Store) write(ctx context.Context, f *os.File, r io.Reader, d hash.Hash) (int64, error) {
	r = ctxReader{ctx, r}
	if !s.opts.Compress {
		return io.Copy(io.MultiWriter(f, d), r)
	}
	fw := newFrameWriter(f, s.enc)
	n, err := io.Copy(io.MultiWriter(fw, d), r)
	if err != nil {
		return n, err
	}
	return n, fw.Close()
}

// install moves a written temporary file to the blob's place, unless
// the blob is already stored.
func (s *Store) install(tmp string, h store.Hash) error {
	final := s.path(h)
	if s.exists(final) || s.exists(final+zstSuffix) {
		return nil
	}
	if s.opts.Compress {
		final += zstSuffix
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	if s.opts.NoSync {
		return nil
	}
	// The rename must be durable in the shard folder, which Open made.
	return syncDir(filepath.Dir(final))
}

// mkdir makes dir if it is missing and reports whether it did.
func mkdir(dir string) (bool, error) {
	err := os.Mkdir(dir, 0o700)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	return err == nil, err
}

func (s *Store) exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	return err
}

// Open returns a reader over a range of the blob.
func (s *Store) Open(ctx context.Context, h store.Hash,
	offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, errors.New("fsblob: negative offset")
	}
	p := s.path(h)
	f, err := os.Open(p)
	if err == nil {
		return rawReader(f, offset, length)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %v: %w", h, err)
	}
	f, err = os.Open(p + zstSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %v: %w", h, err)
	}
	rc, err := newFrameReader(f, s.dec, offset, length)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %v: %w", h, err)
	}
	return rc, nil
}

// rawReader reads a range of an uncompressed blob file.
func rawReader(f *os.File, offset, length int64) (io.ReadCloser, error) {
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	size := info.Size()
	offset = min(offset, size)
	if length < 0 || offset+length > size {
		length = size - offset
	}
	return &sectionCloser{io.NewSectionReader(f, offset, length), f}, nil
}

type sectionCloser struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionCloser) Close() error { return s.f.Close() }

// Size returns the blob's size.
func (s *Store) Size(ctx context.Context, h store.Hash) (int64, error) {
	p := s.path(h)
	info, err := os.Stat(p)
	if err == nil {
		return info.Size(), nil
	}
	n, err := compressedSize(p + zstSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, store.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("size of blob %v: %w", h, err)
	}
	return n, nil
}

// Delete removes the blob in either form.
func (s *Store) Delete(ctx context.Context, h store.Hash) error {
	p := s.path(h)
	for _, name := range []string{p, p + zstSuffix} {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete blob %v: %w", h, err)
		}
	}
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
