// Package store holds Bulwark's storage contracts: an ordered,
// transactional key-value store with named spaces and atomic counters
// (KV, Tx), a blob store addressed by content hash (BlobStore), blob
// reference counting with a sweep (BlobRefs), and the layout version of a
// store with the runner for layout migrations (Layout, Migrator).
//
// Adapters live in sub-packages: store/bolt (the embedded default on
// bbolt, with group commit), store/sql (PostgreSQL, MySQL/MariaDB,
// SQLite), store/memory (for tests), store/fsblob (blobs in a folder,
// optionally zstd-compressed) and store/kvblob (blobs inside a KV).
// store/storetest is the conformance suite every adapter runs.
//
// Keys are ordered byte by byte in every adapter. AppendString,
// AppendUint32 and AppendUint64 build composite keys whose byte order is
// the natural order of their parts. Space names that begin with an
// underscore are reserved for this package (LayoutSpace, BlobRefSpace,
// BlobSweepSpace).
//
// Not yet: an S3 blob adapter; online backup and compaction helpers;
// a migration step that runs outside transactions for data too large to
// rewrite in batches.
package store
