// Package kvblob keeps blobs inside a store.KV, for small deployments
// that want every piece of data in one file or one database.
//
// A blob is cut into chunks (64 KiB by default) stored under an internal
// id; a meta space maps the blob's SHA-256 to the id and size. A blob up
// to Options.TxBytes is written in one transaction; a larger one is
// written over several under an upload record, and becomes visible only
// when the last transaction records its hash. Readers load one chunk at
// a time, so byte ranges cost only the chunks they cover.
//
// Not yet: compression (use store/fsblob for compressed blobs).
package kvblob
