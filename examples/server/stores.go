package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/migrate"
	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/fsblob"
	sqlstore "github.com/bulwarkmail/bulwark/store/sql"
	"go.etcd.io/bbolt"
)

// backend is everything the services share: the key-value store, the
// blobs, the mail data model and the directory.
type backend struct {
	kv    store.KV
	blobs *fsblob.Store
	mail  *mailstore.Store
	dir   *local.Directory
	sieve *sieve.Storage
}

// openBackend opens (or creates) the stores of cfg.
func openBackend(ctx context.Context, cfg Config, log *slog.Logger) (*backend, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	kv, err := openKV(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Store.AutoMigrate {
		if err := migrate.ApplyLayout(ctx, kv, migrate.LayoutOptions{Logger: log}); err != nil {
			kv.Close()
			return nil, err
		}
	}
	b := &backend{kv: kv}
	blobDir := cfg.Store.Blobs
	if blobDir == "" {
		blobDir = filepath.Join(cfg.DataDir, "blobs")
	}
	b.blobs, err = fsblob.Open(blobDir, fsblob.Options{Compress: cfg.Store.Compress})
	if err != nil {
		kv.Close()
		return nil, fmt.Errorf("open blobs: %w", err)
	}
	b.mail, err = mailstore.New(ctx, mailstore.Options{KV: kv, Blobs: b.blobs, Logger: log})
	if errors.Is(err, store.ErrNeedsMigration) {
		err = fmt.Errorf("%w (run \"server migrate\", or set auto_migrate in [store])", err)
	}
	if err != nil {
		kv.Close()
		return nil, fmt.Errorf("open mail store: %w", err)
	}
	b.dir, err = local.New(ctx, kv, local.Options{})
	if err != nil {
		kv.Close()
		return nil, fmt.Errorf("open directory: %w", err)
	}
	b.sieve = sieve.NewStorage(kv, sieve.StorageOptions{})
	return b, nil
}

func openKV(ctx context.Context, cfg Config) (store.KV, error) {
	switch cfg.Store.Kind {
	case "bolt":
		path := cfg.Store.Path
		if path == "" {
			path = filepath.Join(cfg.DataDir, "bulwark.db")
		}
		db, err := bolt.Open(path, bolt.Options{})
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, fmt.Errorf("open store: %w (is the server running on this data folder?)", err)
		}
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return db, nil
	case "postgres", "mysql", "sqlite":
		db, err := sqlstore.Open(ctx, sqlstore.Options{Driver: cfg.Store.Kind, DSN: cfg.Store.DSN})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return db, nil
	}
	return nil, errors.New("unknown store kind " + cfg.Store.Kind)
}

func (b *backend) Close() error {
	return errors.Join(b.blobs.Close(), b.kv.Close())
}
