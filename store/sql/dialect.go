package sql

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// dialect holds what differs between the SQL engines.
type dialect struct {
	name   string // driver name registered with database/sql
	quote  byte   // identifier quote
	dollar bool   // $1 placeholders rather than ?
	// createTable is the statement creating a space's table, %s being
	// the quoted table name.
	createTable string
	// upsert stores a value, with %s the table and %s the parameters.
	upsert string
	// add, when set, adds the second parameter (a signed 64-bit
	// integer) to the counter under the first in one statement that
	// returns the new value; %s is the table.
	add string
	// lockReads makes reads in write transactions lock rows.
	lockReads bool
	// forUpdate is appended to the counter read to lock its row.
	forUpdate string
	// listTables lists the tables of the current schema.
	listTables string
	// findTable counts the tables of the current schema named by the
	// parameter.
	findTable string
	// retryable reports errors after which the transaction is run again.
	retryable func(err error) bool
}

var dialects = map[string]*dialect{
	"postgres": {
		name:   "pgx",
		quote:  '"',
		dollar: true,
		createTable: "CREATE TABLE IF NOT EXISTS %s " +
			"(k bytea PRIMARY KEY, v bytea NOT NULL)",
		upsert:    "INSERT INTO %s (k, v) VALUES (%s) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
		forUpdate: " FOR UPDATE",
		// The 8-byte value is read as a bigint through its hexadecimal
		// form and written back with int8send, both big-endian.
		add: "INSERT INTO %s AS t (k, v) VALUES ($1, int8send($2::bigint)) " +
			"ON CONFLICT (k) DO UPDATE SET v = int8send(" +
			"('x' || encode(t.v, 'hex'))::bit(64)::bigint + $2::bigint) RETURNING v",
		listTables: "SELECT table_name FROM information_schema.tables " +
			"WHERE table_schema = current_schema()",
		findTable: "SELECT count(*) FROM information_schema.tables " +
			"WHERE table_schema = current_schema() AND table_name = $1",
		retryable: pgRetryable,
	},
	"mysql": {
		name:  "mysql",
		quote: '`',
		// VARBINARY compares byte by byte with no padding, so keys sort
		// as bytes.Compare does; 3072 bytes is InnoDB's key limit.
		createTable: "CREATE TABLE IF NOT EXISTS %s " +
			"(k VARBINARY(3072) NOT NULL PRIMARY KEY, v LONGBLOB NOT NULL) ENGINE=InnoDB",
		upsert:    "INSERT INTO %s (k, v) VALUES (%s) ON DUPLICATE KEY UPDATE v = VALUES(v)",
		forUpdate: " FOR UPDATE",
		lockReads: true,
		listTables: "SELECT table_name FROM information_schema.tables " +
			"WHERE table_schema = DATABASE()",
		findTable: "SELECT count(*) FROM information_schema.tables " +
			"WHERE table_schema = DATABASE() AND table_name = ?",
		retryable: mysqlRetryable,
	},
	"sqlite": {
		name:  "sqlite",
		quote: '"',
		// BLOB keys compare with memcmp, shorter first on a tie.
		createTable: "CREATE TABLE IF NOT EXISTS %s " +
			"(k BLOB PRIMARY KEY NOT NULL, v BLOB NOT NULL) WITHOUT ROWID",
		upsert: "INSERT INTO %s (k, v) VALUES (%s) " +
			"ON CONFLICT (k) DO UPDATE SET v = excluded.v",
		listTables: "SELECT name FROM sqlite_master WHERE type = 'table'",
		findTable:  "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
		retryable:  sqliteRetryable,
	},
}

// ident quotes a table name made of [a-z0-9_].
func (d *dialect) ident(name string) string {
	q := string(d.quote)
	return q + name + q
}

// params returns n placeholders separated by commas.
func (d *dialect) params(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString(d.param(i))
	}
	return b.String()
}

func (d *dialect) param(i int) string {
	if d.dollar {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// pgRetryable: serialisation failure, deadlock, and the races of two
// sessions creating one table.
func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01", "23505", "42P07", "42710":
		return true
	}
	return false
}

// mysqlRetryable: deadlock, lock wait timeout, table changed under a
// snapshot, and MariaDB's "record has changed since last read".
func mysqlRetryable(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1213, 1205, 1412, 1020:
		return true
	}
	return false
}

// sqliteRetryable: the database is busy or locked by another writer.
func sqliteRetryable(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
		return true
	}
	return false
}
