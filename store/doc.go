// Package store holds Bulwark's storage contracts: an ordered,
// transactional key-value store with named spaces and atomic counters
// (KV, Tx), a blob store addressed by content hash (BlobStore), and the
// layout version of a store with the runner for layout migrations.
//
// Adapters live in sub-packages: store/bolt (the embedded default on
// bbolt), store/sql (PostgreSQL, MySQL/MariaDB, SQLite), store/memory (for
// tests), and blob adapters for the filesystem and for keeping blobs inside
// a KV store. store/storetest is the conformance suite every adapter runs.
package store
