// Package sql is a directory read from the host's own SQL tables through
// configurable queries (Queries): principal by name, addresses, address
// lookup, members, memberships, secrets and domains. It works with any
// database/sql driver; it is tested against PostgreSQL (pgx), MariaDB
// (go-sql-driver/mysql) and SQLite (modernc.org/sqlite).
//
// The directory only reads: principals are managed in the host's own
// tables. Authentication, failure limiting and address resolution come
// from directory.Core.
//
// Not yet: named parameters for queries that need the value twice (use a
// sub-select), and writing principals back through configurable
// statements.
package sql
