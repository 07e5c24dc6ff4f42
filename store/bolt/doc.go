// Package bolt is the embedded default store.KV, on go.etcd.io/bbolt:
// one file, one writer at a time, readers on consistent snapshots that
// never wait.
//
// Each space is a top-level bucket created on first write. Counters are
// 8-byte big-endian values. Concurrent Updates share commits (group
// commit), so a burst of small writes, such as many deliveries at once,
// costs one fsync per group rather than one per write.
//
// Not yet: online compaction of the file (bbolt reuses freed pages but
// never shrinks the file); use the bbolt command-line tool offline.
package bolt
