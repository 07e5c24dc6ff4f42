package mailstore

import "sync"

// The view cache keeps the decoded entries of recently queried large
// mailboxes, so that a query on a mailbox that did not change since the
// last one skips reading its entries from the store. An entry is valid
// while the mailbox's HIGHESTMODSEQ is the one it was read at: every
// change to a mailbox's messages moves it (see writer.touch).

// cacheKey names a mailbox across accounts.
type cacheKey struct{ a, m uint32 }

type cachedMailbox struct {
	modseq uint64
	views  []view
	used   uint64
}

// viewCache is an LRU of decoded mailboxes, bounded by the number of views
// kept. Cached views own their bytes and are never modified.
type viewCache struct {
	mu    sync.Mutex
	max   int
	size  int
	tick  uint64
	items map[cacheKey]*cachedMailbox
}

func newViewCache(max int) *viewCache {
	return &viewCache{max: max, items: map[cacheKey]*cachedMailbox{}}
}

// get returns the cached views of a mailbox at modseq, or nil.
func (c *viewCache) get(k cacheKey, modseq uint64) []view {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.items[k]
	if it == nil || it.modseq != modseq {
		return nil
	}
	c.tick++
	it.used = c.tick
	return it.views
}

// put caches the views of a mailbox read at modseq and returns the cached
// copy, whose bytes no longer point into the transaction.
func (c *viewCache) put(k cacheKey, modseq uint64, vs []view) []view {
	if c == nil || len(vs) > c.max {
		return vs
	}
	owned := ownViews(vs)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.items[k]; old != nil {
		if old.modseq > modseq {
			return owned // a newer reader got there first
		}
		c.size -= len(old.views)
		delete(c.items, k)
	}
	for c.size+len(owned) > c.max {
		c.evict()
	}
	c.tick++
	c.items[k] = &cachedMailbox{modseq: modseq, views: owned, used: c.tick}
	c.size += len(owned)
	return owned
}

// evict drops the least recently used mailbox.
func (c *viewCache) evict() {
	var oldest cacheKey
	var it *cachedMailbox
	for k, v := range c.items {
		if it == nil || v.used < it.used {
			oldest, it = k, v
		}
	}
	if it == nil {
		c.size = 0
		return
	}
	c.size -= len(it.views)
	delete(c.items, oldest)
}

// ownViews copies the byte fields of views into memory of their own, one
// block per chunk of views.
func ownViews(vs []view) []view {
	out := make([]view, len(vs))
	var block []byte
	own := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		if len(block) < len(b) {
			block = make([]byte, max(64<<10, len(b)))
		}
		n := copy(block, b)
		p := block[:n:n]
		block = block[n:]
		return p
	}
	for i := range vs {
		v := vs[i]
		v.kws, v.baseSubj = own(v.kws), own(v.baseSubj)
		v.sortFrom, v.sortTo, v.sortCc = own(v.sortFrom), own(v.sortTo), own(v.sortCc)
		v.subject, v.from = own(v.subject), own(v.from)
		v.full = nil
		out[i] = v
	}
	return out
}
