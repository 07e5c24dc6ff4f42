// Package sql is the store.KV for SQL databases over database/sql:
// PostgreSQL (github.com/jackc/pgx/v5), MySQL and MariaDB
// (github.com/go-sql-driver/mysql) and SQLite (modernc.org/sqlite). It is
// the engine for several nodes sharing one data set.
//
// Each space is a table named TablePrefix+space with a binary primary
// key (bytea, VARBINARY or BLOB, all compared byte by byte, so scans
// order keys exactly as the other adapters do) and a binary value. Tables
// are created on first write; reads of a space never written find it
// empty.
//
// Update runs a serialisable transaction (PostgreSQL SERIALIZABLE;
// MySQL SERIALIZABLE with locking reads; SQLite's single writer) and runs
// fn again after a serialisation failure, a deadlock or a lock timeout,
// up to Options.MaxRetries times, then returns an error wrapping
// store.ErrConflict. View runs a read-only REPEATABLE READ transaction,
// which sees one snapshot. Scans read in pages of 256 rows, so a scan's
// callback may query the same transaction.
//
// Counters are 8-byte big-endian values, read with a row lock and
// rewritten in the transaction, so a value is never handed out twice,
// even by several processes. Within one process, transactions that draw
// from the same counter queue on a lock instead of failing and retrying
// at the database.
//
// With Options.GroupCommit, concurrent Updates of one process share
// transactions, as with store/bolt: fewer commits, and writers of one
// hot counter no longer pay a commit each.
//
// SQLite needs a file: each connection to ":memory:" would open its
// own empty database.
//
// Not yet: keys longer than 3072 bytes on MySQL; batching of several
// Puts into one statement; PostgreSQL schemas other than the
// connection's current schema.
package sql
