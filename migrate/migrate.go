package migrate

import (
	"log/slog"

	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/store"
)

// Source is the server an export reads. Mail is required; a nil Directory
// or Sieve leaves principals or scripts out of the export. KV and Blobs
// are the stores the mail queue and the JMAP handler keep their data in
// (queue.Options and jmap.Options); nil leaves the queue, identities and
// vacation responses out.
type Source struct {
	Mail      *mailstore.Store
	Directory *local.Directory
	Sieve     *sieve.Storage
	KV        store.KV
	Blobs     store.BlobStore
}

// Target is the server an import writes. Mail, Blobs (the blob store
// Mail was opened on) and KV (where the import keeps its checkpoints,
// usually the KV Mail was opened on) are required; a nil Directory or
// Sieve skips principals or scripts. The queued messages, identities and
// vacation responses of the export go to KV and Blobs too, where a
// queue and a JMAP handler opened on them find them.
type Target struct {
	Mail      *mailstore.Store
	Blobs     store.BlobStore
	KV        store.KV
	Directory *local.Directory
	Sieve     *sieve.Storage
}

// Progress is called as work advances: done of total messages. It runs
// on the goroutine doing the work and should return quickly.
type Progress func(done, total int64)

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func report(p Progress, done, total int64) {
	if p != nil {
		p(done, total)
	}
}
