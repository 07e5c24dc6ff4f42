package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/internal/groupcommit"
)

// Options configures a DB.
type Options struct {
	// Driver names the engine: "postgres", "mysql" (MySQL and MariaDB)
	// or "sqlite".
	Driver string

	// DSN is the data source name in the driver's own form, for example
	// "postgres://user@127.0.0.1:5432/mail", "user@tcp(127.0.0.1:3306)/mail"
	// or a file path for SQLite.
	DSN string

	// TablePrefix starts the name of every table, so that several stores
	// can share a database. Letters, digits and underscores only.
	// Default "bulwark_".
	TablePrefix string

	// MaxRetries bounds how often Update runs its function again after a
	// serialisation failure or deadlock. Default 50.
	MaxRetries int

	// MaxConns bounds the open connections to the database; 0 means no
	// bound. With SQLite it bounds the readers; writes use one more.
	MaxConns int

	// IdleConns is how many idle connections are kept open for reuse.
	// Opening a connection costs far more than a transaction, so this
	// should cover the usual number of concurrent transactions.
	// Default 32.
	IdleConns int

	// GroupCommit runs concurrent Updates of this process in shared
	// transactions (see newBatcher): fewer commits, and Updates drawing
	// from one counter no longer wait for one commit each. A conflict
	// then runs the whole group again. Not used with SQLite. Default
	// false.
	GroupCommit bool

	// Logger receives events; nil discards them.
	Logger *slog.Logger
}

// DB is a store.KV in an SQL database. Each space is a table with a
// binary primary key, created on first use. Update runs serialisable
// transactions and runs fn again when the engine reports a serialisation
// failure or a deadlock; View runs a read-only transaction on a
// snapshot. Counters are 8-byte big-endian values, read with a row lock
// and rewritten, so no value is handed out twice even by several
// processes sharing the database.
type DB struct {
	d      *dialect
	db     *dbsql.DB // reads, and writes except with SQLite
	wdb    *dbsql.DB // SQLite's single writer connection
	prefix string
	opts   Options
	log    *slog.Logger
	known  sync.Map                       // store.Space -> *queries of existing tables
	locks  *counterLocks                  // nil with SQLite, whose writers queue anyway
	group  *groupcommit.Batcher[store.Tx] // nil unless Options.GroupCommit

	closeMu sync.RWMutex
	closed  bool
}

var _ store.KV = (*DB)(nil)

// Open connects to the database and loads the list of its tables.
func Open(ctx context.Context, opts Options) (*DB, error) {
	d, ok := dialects[opts.Driver]
	if !ok {
		return nil, fmt.Errorf("open sql store: unknown driver %q", opts.Driver)
	}
	if opts.TablePrefix == "" {
		opts.TablePrefix = "bulwark_"
	}
	if !store.ValidSpace(store.Space(opts.TablePrefix)) {
		return nil, fmt.Errorf("open sql store: invalid table prefix %q", opts.TablePrefix)
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 50
	}
	if opts.IdleConns <= 0 {
		opts.IdleConns = 32
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{d: d, prefix: opts.TablePrefix, opts: opts, log: log}
	if opts.Driver != "sqlite" {
		db.locks = newCounterLocks()
		if opts.GroupCommit {
			db.group = newBatcher(db)
		}
	}
	if err := db.connect(ctx); err != nil {
		db.closeAll()
		return nil, fmt.Errorf("open sql store: %w", err)
	}
	if err := db.createSchema(ctx); err != nil {
		db.closeAll()
		return nil, fmt.Errorf("open sql store: %w", err)
	}
	if err := db.loadTables(ctx); err != nil {
		db.closeAll()
		return nil, fmt.Errorf("open sql store: %w", err)
	}
	return db, nil
}

// createSchema creates the table of the layout space, so that a new
// database holds the store's schema from its first open. The other
// tables follow on first write.
func (db *DB) createSchema(ctx context.Context) error {
	name := db.d.ident(db.prefix + string(store.LayoutSpace))
	var err error
	for range 5 {
		_, err = db.wdb.ExecContext(ctx, fmt.Sprintf(db.d.createTable, name))
		if err == nil || !db.d.retryable(err) {
			return err
		}
	}
	return err
}

func (db *DB) connect(ctx context.Context) error {
	var err error
	if db.opts.Driver != "sqlite" {
		if db.db, err = dbsql.Open(db.d.name, db.dsn()); err != nil {
			return err
		}
		db.wdb = db.db
		db.pool(db.db)
		return db.db.PingContext(ctx)
	}
	// SQLite allows one writer: writes go through one connection that
	// takes the write lock when it begins, reads through a pool.
	dsn := sqliteDSN(db.opts.DSN)
	if db.db, err = dbsql.Open(db.d.name, dsn); err != nil {
		return err
	}
	if db.wdb, err = dbsql.Open(db.d.name, dsn+"&_txlock=immediate"); err != nil {
		return err
	}
	db.pool(db.db)
	db.wdb.SetMaxOpenConns(1)
	return db.wdb.PingContext(ctx)
}

func (db *DB) pool(p *dbsql.DB) {
	p.SetMaxIdleConns(db.opts.IdleConns)
	if db.opts.MaxConns > 0 {
		p.SetMaxOpenConns(db.opts.MaxConns)
	}
}

// dsn returns the DSN to connect with. MySQL statements carry their
// parameters inline, which saves the prepare and close round trips the
// driver makes otherwise for every statement.
func (db *DB) dsn() string {
	dsn := db.opts.DSN
	if db.opts.Driver != "mysql" || strings.Contains(dsn, "interpolateParams") {
		return dsn
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&interpolateParams=true"
	}
	return dsn + "?interpolateParams=true"
}

// sqliteDSN adds the settings every SQLite connection needs.
func sqliteDSN(dsn string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if !strings.HasPrefix(dsn, "file:") {
		dsn = "file:" + dsn
	}
	return dsn + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
}

// loadTables records the tables that already exist.
func (db *DB) loadTables(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, db.d.listTables)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		space, ok := strings.CutPrefix(name, db.prefix)
		if ok && store.ValidSpace(store.Space(space)) {
			db.known.Store(store.Space(space), db.d.queries(name))
		}
	}
	return rows.Err()
}

// Prefix returns the table prefix of this store.
func (db *DB) Prefix() string { return db.prefix }

// DSN returns the data source name the store was opened with.
func (db *DB) DSN() string { return db.opts.DSN }

// Tables lists the tables of this store, by full name.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, db.d.listTables)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		if strings.HasPrefix(name, db.prefix) {
			names = append(names, name)
		}
	}
	return names, rows.Err()
}

// DropTables deletes every table of this store (those starting with the
// table prefix) and its data. Tests use it to clean up.
func (db *DB) DropTables(ctx context.Context) error {
	names, err := db.Tables(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		if _, err := db.wdb.ExecContext(ctx, "DROP TABLE IF EXISTS "+db.d.ident(name)); err != nil {
			return fmt.Errorf("drop table %s: %w", name, err)
		}
	}
	db.known.Clear()
	return nil
}

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

// View runs fn in a read-only transaction on a snapshot.
func (db *DB) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := db.enter(ctx); err != nil {
		return err
	}
	defer db.closeMu.RUnlock()
	return db.retry(ctx, func() (bool, error) { return db.run(ctx, fn, false, nil) })
}

// Update runs fn in a serialisable transaction, again on conflicts.
func (db *DB) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := db.enter(ctx); err != nil {
		return err
	}
	defer db.closeMu.RUnlock()
	if db.group != nil {
		return db.group.Do(ctx, fn)
	}
	// Stripes a failed attempt needed are taken before the next begins.
	var stripes []int
	return db.retry(ctx, func() (bool, error) {
		conflict, touched, err := db.runWrite(ctx, fn, stripes)
		stripes = append(stripes, touched...)
		return conflict, err
	})
}

// runWrite runs fn once in a write transaction, holding the counter
// stripes pre, and returns the stripes it needed.
func (db *DB) runWrite(ctx context.Context, fn func(tx store.Tx) error,
	pre []int) (bool, []int, error) {
	var held, touched []int
	if db.locks != nil && len(pre) > 0 {
		held = db.locks.lockAll(slices.Clone(pre))
	}
	began := false
	conflict, err := db.run(ctx, fn, true, func(tx *txn) {
		began = true
		tx.held = held
		tx.after = func() {
			touched = tx.touched
			if db.locks != nil {
				db.locks.unlockAll(tx.held)
			}
		}
	})
	if !began && held != nil {
		db.locks.unlockAll(held)
	}
	return conflict, touched, err
}

// retry calls attempt until it succeeds, fails for good, or conflicts
// more than MaxRetries times, sleeping a growing random time between.
func (db *DB) retry(ctx context.Context, attempt func() (bool, error)) error {
	for i := 0; ; i++ {
		conflict, err := attempt()
		if !conflict {
			return err
		}
		if i >= db.opts.MaxRetries {
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		}
		db.log.Debug("transaction conflict, retrying", "attempt", i+1, "err", err)
		wait := time.Duration(rand.Int64N(int64(100*time.Microsecond) << min(i, 7)))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// run runs fn once. It reports a conflict when the transaction should be
// run again.
func (db *DB) run(ctx context.Context, fn func(tx store.Tx) error, write bool,
	setup func(tx *txn)) (bool, error) {
	conn, opts := db.db, db.readOptions()
	if write {
		conn, opts = db.wdb, db.writeOptions()
	}
	stx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return db.d.retryable(err), fmt.Errorf("begin transaction: %w", err)
	}
	tx := &txn{db: db, ctx: ctx, stx: stx, writable: write}
	if setup != nil {
		setup(tx)
	}
	defer func() {
		// Roll back if fn panicked; after a commit this does nothing.
		stx.Rollback()
		if tx.after != nil {
			tx.after()
		}
	}()
	err = fn(tx)
	tx.done = true
	if err != nil {
		return tx.conflict || db.d.retryable(err), err
	}
	if !write {
		return false, stx.Rollback()
	}
	if err := stx.Commit(); err != nil {
		return tx.conflict || db.d.retryable(err), fmt.Errorf("commit: %w", err)
	}
	for space, q := range tx.created {
		db.known.Store(space, q)
	}
	return false, nil
}

func (db *DB) readOptions() *dbsql.TxOptions {
	if db.opts.Driver == "sqlite" {
		return nil
	}
	return &dbsql.TxOptions{Isolation: dbsql.LevelRepeatableRead, ReadOnly: true}
}

func (db *DB) writeOptions() *dbsql.TxOptions {
	if db.opts.Driver == "sqlite" {
		return nil
	}
	return &dbsql.TxOptions{Isolation: dbsql.LevelSerializable}
}

// Close waits for running transactions and closes the connections.
// Closing twice is not an error.
func (db *DB) Close() error {
	db.closeMu.Lock()
	defer db.closeMu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	return db.closeAll()
}

func (db *DB) closeAll() error {
	var errs []error
	if db.wdb != nil && db.wdb != db.db {
		errs = append(errs, db.wdb.Close())
	}
	if db.db != nil {
		errs = append(errs, db.db.Close())
	}
	return errors.Join(errs...)
}
