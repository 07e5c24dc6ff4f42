package fsblob

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwarkmail/bulwark/store"
)

// Walk lists every blob by reading the shard folders.
func (s *Store) Walk(ctx context.Context, fn func(h store.Hash, size int64) error) error {
	err := s.walk(ctx, fn)
	if errors.Is(err, store.ErrStop) {
		return nil
	}
	return err
}

func (s *Store) walk(ctx context.Context, fn func(h store.Hash, size int64) error) error {
	tops, err := shardNames(s.dir)
	if err != nil {
		return fmt.Errorf("walk blobs: %w", err)
	}
	for _, top := range tops {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.walkShard(filepath.Join(s.dir, top), fn); err != nil {
			return err
		}
	}
	return nil
}

// shardNames lists the two-hex-digit folders in dir.
func shardNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && len(e.Name()) == 2 {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func (s *Store) walkShard(dir string, fn func(h store.Hash, size int64) error) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("walk blobs: %w", err)
	}
	for _, e := range entries {
		name, compressed := strings.CutSuffix(e.Name(), zstSuffix)
		h, err := store.ParseHash(name)
		if err != nil || e.IsDir() {
			continue
		}
		var size int64
		if compressed {
			size, err = compressedSize(filepath.Join(dir, e.Name()))
		} else {
			var info os.FileInfo
			if info, err = e.Info(); err == nil {
				size = info.Size()
			}
		}
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("walk blobs: %w", err)
		}
		if err := fn(h, size); err != nil {
			return err
		}
	}
	return nil
}
