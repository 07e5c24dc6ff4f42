package sql

import (
	"bytes"
	"context"
	dbsql "database/sql"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// pageSize is how many rows a scan reads per query. Rows are read in
// pages so that the scan's callback may itself query the transaction.
const pageSize = 256

// errTxDone is returned when a transaction is used after its function
// returned.
var errTxDone = errors.New("sql: transaction has ended")

// txn is a transaction on a DB.
type txn struct {
	db       *DB
	ctx      context.Context
	stx      *dbsql.Tx
	writable bool
	done     bool
	conflict bool // a statement failed in a way that calls for a retry
	created  map[store.Space]*queries
	stmts    int    // statements run so far
	held     []int  // counter stripes held, in increasing order
	touched  []int  // counter stripes this attempt needed
	after    func() // runs once the transaction has ended
}

type pair struct{ k, v []byte }

var _ store.Tx = (*txn)(nil)

// Writable reports whether tx may write.
func (tx *txn) Writable() bool { return tx.writable }

// fail records whether err calls for running the transaction again.
func (tx *txn) fail(op string, space store.Space, err error) error {
	if tx.db.d.retryable(err) {
		tx.conflict = true
	}
	return fmt.Errorf("%s %s: %w", op, space, err)
}

// table returns the statements of space and whether its table exists,
// creating it in write transactions.
func (tx *txn) table(space store.Space, write bool) (*queries, bool, error) {
	if tx.done {
		return nil, false, errTxDone
	}
	if write && !tx.writable {
		return nil, false, store.ErrReadOnly
	}
	if q, ok := tx.db.known.Load(space); ok {
		return q.(*queries), true, nil
	}
	if q, ok := tx.created[space]; ok {
		return q, true, nil
	}
	if !store.ValidSpace(space) {
		return nil, false, fmt.Errorf("%w: %q", store.ErrInvalidSpace, space)
	}
	q := tx.db.d.queries(tx.db.prefix + string(space))
	if !tx.writable {
		return tx.findTable(space, q)
	}
	// A write transaction creates the table even to read it: reading a
	// missing table takes no lock, and two transactions that both found
	// nothing would both write.
	if tx.db.opts.Driver == "sqlite" {
		// SQLite has one writer, this transaction: create the table in it.
		tx.stmts++
		_, err := tx.stx.ExecContext(tx.ctx, fmt.Sprintf(tx.db.d.createTable,
			tx.db.d.ident(q.table)))
		if err != nil {
			return nil, false, tx.fail("create table", space, err)
		}
		if tx.created == nil {
			tx.created = make(map[store.Space]*queries)
		}
		tx.created[space] = q
		return q, true, nil
	}
	// Other engines create the table beside the transaction: MySQL
	// would commit the transaction on DDL.
	if _, err := tx.db.db.ExecContext(tx.ctx, fmt.Sprintf(tx.db.d.createTable,
		tx.db.d.ident(q.table))); err != nil {
		return nil, false, tx.fail("create table", space, err)
	}
	tx.db.log.Info("created table", "table", q.table)
	tx.db.known.Store(space, q)
	return q, true, nil
}

// findTable looks for the table of a space that no write has created
// in this process. Reads treat a missing table as an empty space.
func (tx *txn) findTable(space store.Space, q *queries) (*queries, bool, error) {
	var n int
	tx.stmts++
	err := tx.stx.QueryRowContext(tx.ctx, tx.db.d.findTable, q.table).Scan(&n)
	if err != nil {
		return nil, false, tx.fail("find table", space, err)
	}
	if n > 0 {
		tx.db.known.Store(space, q)
	}
	return q, n > 0, nil
}

// Get returns the value under key, or store.ErrNotFound.
func (tx *txn) Get(space store.Space, key []byte) ([]byte, error) {
	q, ok, err := tx.table(space, false)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, store.ErrNotFound
	}
	query := q.get
	if tx.writable {
		query = q.getW
	}
	var v []byte
	tx.stmts++
	err = tx.stx.QueryRowContext(tx.ctx, query, key).Scan(&v)
	if errors.Is(err, dbsql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, tx.fail("get", space, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// Put stores value under key.
func (tx *txn) Put(space store.Space, key, value []byte) error {
	if len(key) == 0 {
		return errors.New("sql: empty key")
	}
	q, _, err := tx.table(space, true)
	if err != nil {
		return err
	}
	if value == nil {
		value = []byte{} // NOT NULL column
	}
	tx.stmts++
	if _, err := tx.stx.ExecContext(tx.ctx, q.put, key, value); err != nil {
		return tx.fail("put", space, err)
	}
	return nil
}

// Delete removes key.
func (tx *txn) Delete(space store.Space, key []byte) error {
	if len(key) == 0 {
		return errors.New("sql: empty key")
	}
	q, _, err := tx.table(space, true)
	if err != nil {
		return err
	}
	tx.stmts++
	if _, err := tx.stx.ExecContext(tx.ctx, q.del, key); err != nil {
		return tx.fail("delete", space, err)
	}
	return nil
}

// Scan reads r a page at a time and calls fn for each key.
func (tx *txn) Scan(space store.Space, r store.Range, fn func(k, v []byte) error) error {
	q, ok, err := tx.table(space, false)
	if err != nil || !ok {
		return err
	}
	if r.Start != nil && r.End != nil && bytes.Compare(r.Start, r.End) >= 0 {
		return nil
	}
	seen := 0
	for {
		want := pageSize
		if r.Limit > 0 {
			want = min(want, r.Limit-seen)
		}
		page, err := tx.readPage(q, r, want)
		if err != nil {
			return tx.fail("scan", space, err)
		}
		for _, p := range page {
			if err := fn(p.k, p.v); err != nil {
				if errors.Is(err, store.ErrStop) {
					return nil
				}
				return err
			}
		}
		seen += len(page)
		if len(page) < want || r.Limit > 0 && seen >= r.Limit {
			return nil
		}
		// Continue after the last key read.
		last := page[len(page)-1].k
		if r.Reverse {
			r.End = last
		} else {
			r.Start = append(last[:len(last):len(last)], 0)
		}
	}
}

// readPage reads up to n rows of r.
func (tx *txn) readPage(q *queries, r store.Range, n int) ([]pair, error) {
	args := make([]any, 0, 3)
	if r.Start != nil {
		args = append(args, r.Start)
	}
	if r.End != nil {
		args = append(args, r.End)
	}
	args = append(args, n)
	shape := scanShape(r.Start != nil, r.End != nil, r.Reverse)
	query := q.scan[shape]
	if tx.writable {
		query = q.scanW[shape]
	}
	tx.stmts++
	rows, err := tx.stx.QueryContext(tx.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Callers may keep scanned slices until the transaction ends, so
	// every page is freshly allocated.
	page := make([]pair, 0, min(n, pageSize))
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.k, &p.v); err != nil {
			return nil, err
		}
		if p.v == nil {
			p.v = []byte{}
		}
		page = append(page, p)
	}
	return page, rows.Err()
}

// Add adds delta to the counter under key, holding its row lock until
// the transaction ends.
func (tx *txn) Add(space store.Space, key []byte, delta uint64) (uint64, error) {
	if len(key) == 0 {
		return 0, errors.New("sql: empty key")
	}
	q, _, err := tx.table(space, true)
	if err != nil {
		return 0, err
	}
	if tx.db.locks != nil {
		if err := tx.acquire(tx.db.locks.stripe(q.table, key)); err != nil {
			return 0, fmt.Errorf("add %s: %w", space, err)
		}
	}
	if q.add != "" {
		return tx.addOne(space, q, key, delta)
	}
	var v []byte
	tx.stmts++
	err = tx.stx.QueryRowContext(tx.ctx, q.lock, key).Scan(&v)
	if err != nil && !errors.Is(err, dbsql.ErrNoRows) {
		return 0, tx.fail("add", space, err)
	}
	n, err := decodeCounter(space, key, v)
	if err != nil {
		return 0, err
	}
	n += delta
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], n)
	tx.stmts++
	if _, err := tx.stx.ExecContext(tx.ctx, q.put, key, buf[:]); err != nil {
		return 0, tx.fail("add", space, err)
	}
	return n, nil
}

// addOne adds to a counter in one statement. The engine adds signed
// 64-bit integers; as two's complement wraps like uint64, only a counter
// crossing 2^63 fails.
func (tx *txn) addOne(space store.Space, q *queries, key []byte, delta uint64) (uint64, error) {
	var v []byte
	tx.stmts++
	err := tx.stx.QueryRowContext(tx.ctx, q.add, key, int64(delta)).Scan(&v)
	if err != nil {
		return 0, tx.fail("add", space, err)
	}
	return decodeCounter(space, key, v)
}

// Counter returns the counter under key, zero if missing.
func (tx *txn) Counter(space store.Space, key []byte) (uint64, error) {
	v, err := tx.Get(space, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return decodeCounter(space, key, v)
}

func decodeCounter(space store.Space, key, v []byte) (uint64, error) {
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(v), nil
	}
	return 0, fmt.Errorf("sql: counter %s/%x holds %d bytes", space, key, len(v))
}
