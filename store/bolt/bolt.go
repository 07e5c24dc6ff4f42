package bolt

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/internal/groupcommit"
)

// Options configures a DB. The zero value is safe.
type Options struct {
	// LockTimeout bounds the wait for the file lock held by another
	// process. Default 5 seconds.
	LockTimeout time.Duration

	// NoGroupCommit commits every Update on its own, with its own sync.
	// By default concurrent Updates share commits (see DB).
	NoGroupCommit bool

	// MaxBatch is the largest number of Updates that share one commit.
	// Default 1000.
	MaxBatch int

	// NoSync skips fsync on commit. A crash may then lose or corrupt
	// committed data: for tests only. Default false.
	NoSync bool

	// MmapSize is the initial size of the memory map. bbolt remaps the
	// file when it outgrows the map, and a remap waits for every open
	// read transaction; a large map makes that rare. It reserves address
	// space, not memory. Default 1 GiB.
	MmapSize int

	// Mode is the file mode of a new database file. Default 0600.
	Mode os.FileMode

	// Logger receives events; nil discards them.
	Logger *slog.Logger
}

// DB is a store.KV in one bbolt file. Each space is a top-level bucket,
// created on its first write; counters are 8-byte big-endian values.
//
// Concurrent Updates are grouped: while one commit is syncing, the
// Updates that arrive wait, and the next commit runs all of them in one
// bbolt transaction with a single sync. An Update whose function fails is
// taken out of its group and the others are run again without it, so
// each Update still commits or rolls back on its own. This is why fn may
// run more than once.
type DB struct {
	db   *bbolt.DB
	opts Options
	log  *slog.Logger
	b    *groupcommit.Batcher[*bbolt.Tx]

	closeMu sync.RWMutex
	closed  bool
}

var _ store.KV = (*DB)(nil)

// Open opens or creates the database file at path.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 5 * time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1000
	}
	if opts.MmapSize <= 0 {
		opts.MmapSize = 1 << 30
	}
	if opts.Mode == 0 {
		opts.Mode = 0o600
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bdb, err := bbolt.Open(path, opts.Mode, &bbolt.Options{
		Timeout:      opts.LockTimeout,
		NoSync:       opts.NoSync,
		FreelistType: bbolt.FreelistMapType,
		// The free page list is rebuilt by a scan at open instead of
		// being written with every commit: a commit then writes only
		// the pages it changed.
		NoFreelistSync:  true,
		InitialMmapSize: opts.MmapSize,
	})
	if err != nil {
		return nil, fmt.Errorf("open bolt store %s: %w", path, err)
	}
	db := &DB{db: bdb, opts: opts, log: log}
	db.b = newBatcher(db)
	return db, nil
}

// Bolt returns the underlying bbolt database, for backups and
// statistics. Writing to it bypasses the store's rules.
func (db *DB) Bolt() *bbolt.DB { return db.db }

// enter checks that the store is open and holds off Close.
func (db *DB) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.closeMu.RLock()
	if db.closed {
		db.closeMu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// View runs fn in a read-only bbolt transaction.
func (db *DB) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := db.enter(ctx); err != nil {
		return err
	}
	defer db.closeMu.RUnlock()
	return db.db.View(func(btx *bbolt.Tx) error {
		tx := txn{btx: btx}
		defer tx.end()
		return fn(&tx)
	})
}

// Update runs fn in a read-write transaction; see DB for grouping.
func (db *DB) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := db.enter(ctx); err != nil {
		return err
	}
	defer db.closeMu.RUnlock()
	if db.opts.NoGroupCommit {
		return db.db.Update(func(btx *bbolt.Tx) error {
			tx := txn{btx: btx}
			defer tx.end()
			return fn(&tx)
		})
	}
	return db.grouped(ctx, fn)
}

// Close waits for running transactions and closes the file. Closing
// twice is not an error.
func (db *DB) Close() error {
	db.closeMu.Lock()
	defer db.closeMu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("close bolt store: %w", err)
	}
	return nil
}
