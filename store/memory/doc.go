// Package memory holds in-memory implementations of the store contracts,
// for tests and for embedding Bulwark in other programs' tests.
//
// KV keeps each space in a copy-on-write B-tree: a read transaction sees
// the snapshot committed when it began and never waits; write
// transactions run one at a time and publish their changes atomically.
// Blobs keeps blob contents in a map.
//
// Not yet: nothing is persisted; a memory store is lost when the process
// ends.
package memory
