// Package fsblob is a store.BlobStore in a folder of files: the default
// blob store beside store/bolt.
//
// Blobs are named by their SHA-256 and spread over 256 shard folders
// (ab/abcd...) that Open makes once. A write goes to a temporary file that
// is synced and renamed into place, and the shard folder is synced, so a
// blob is durable once Put returns and is never seen half written; a Put
// costs two syncs and never makes a folder.
//
// With Options.Compress, new blobs are stored zstd-compressed in
// independent 128 KiB frames with an index, so a byte range is served by
// decoding only the frames it covers; frames that would not shrink are
// stored as they are. Readers cannot tell compressed blobs from plain
// ones, and both kinds can live in one folder.
//
// Not yet: a blob written while compression was off is not compressed
// later.
package fsblob
