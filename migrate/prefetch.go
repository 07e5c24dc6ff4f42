package migrate

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/bulwarkmail/bulwark/store"
)

// putResult is the outcome of storing one message file.
type putResult struct {
	hash store.Hash
	err  error
}

// prefetcher stores the message files of an index in the blob store
// ahead of the emails being created, several at once, and hands the
// results back in the order of the index: blob writes overlap with each
// other and with the creation of emails, which must stay in order.
type prefetcher struct {
	q      chan chan putResult
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startPrefetch stores the files of lines[from:] with workers goroutines,
// at most window ahead of the consumer.
func (im *importer) startPrefetch(ctx context.Context, lines []messageJSON, from int64,
	workers int) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{q: make(chan chan putResult, 4*workers), cancel: cancel}
	sem := make(chan struct{}, workers)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.q)
		for i := from; i < int64(len(lines)); i++ {
			res := make(chan putResult, 1)
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case p.q <- res:
			case <-ctx.Done():
				<-sem
				return
			}
			p.wg.Add(1)
			go func(l messageJSON) {
				defer p.wg.Done()
				defer func() { <-sem }()
				h, err := im.putBlob(ctx, l)
				res <- putResult{h, err}
			}(lines[i])
		}
	}()
	return p
}

// next returns the result for the next line of the index.
func (p *prefetcher) next(ctx context.Context) (putResult, error) {
	select {
	case res, ok := <-p.q:
		if !ok {
			return putResult{}, context.Canceled
		}
		select {
		case r := <-res:
			return r, nil
		case <-ctx.Done():
			return putResult{}, ctx.Err()
		}
	case <-ctx.Done():
		return putResult{}, ctx.Err()
	}
}

// stop ends the workers and waits for them.
func (p *prefetcher) stop() {
	p.cancel()
	for range p.q {
	}
	p.wg.Wait()
}

// putBlob stores a message file and checks its hash; a line without a
// file (a step that stores no message) stores nothing.
func (im *importer) putBlob(ctx context.Context, l messageJSON) (store.Hash, error) {
	if l.Blob == "" {
		return store.Hash{}, nil
	}
	want, err := store.ParseHash(l.Blob)
	if err != nil {
		return want, fmt.Errorf("message %q: %w", l.Blob, ErrBadExport)
	}
	f, err := os.Open(filepath.Join(im.dir, blobPath(l.Blob)))
	if err != nil {
		return want, fmt.Errorf("message %s: %w", l.Blob, err)
	}
	defer f.Close()
	h, _, err := im.dst.Blobs.Put(ctx, bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return want, fmt.Errorf("message %s: %w", l.Blob, err)
	}
	if h != want {
		return want, fmt.Errorf("message %s: hash %s: %w", l.Blob, h, ErrBadExport)
	}
	return h, nil
}
