package jmap

import (
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// The query cache keeps the whole sorted result of recent Email/query
// calls that page deep into a large result, so that the next page is cut
// from it instead of sorting every match again (RFC 8620 section 5.5
// position and anchor paging). An entry holds while the account's state
// is the one the result was computed at: any change to the account moves
// that state.

const (
	// queryCacheMin is the smallest result worth keeping.
	queryCacheMin = 512
	// queryCacheMaxIDs bounds the ids kept across all entries.
	queryCacheMaxIDs = 1 << 20
	// queryCacheMaxEntries bounds the entries.
	queryCacheMaxEntries = 256
	// shallowWindow is how far into the result a window may reach and
	// still be computed on its own: mailstore selects the leading
	// results of such a window without sorting the rest.
	shallowWindow = 1024
)

type queryCacheEntry struct {
	state uint64
	ids   []mailstore.EmailID
	used  uint64
	// tooBig marks a query whose result is too large to keep: its windows
	// are computed one by one.
	tooBig bool
}

// queryCache is an LRU of sorted results by account and query.
type queryCache struct {
	mu      sync.Mutex
	entries map[string]*queryCacheEntry
	size    int
	tick    uint64
	group   singleflight.Group
	// min, shallow and maxIDs replace queryCacheMin, shallowWindow and
	// queryCacheMaxIDs when set.
	min, shallow, maxIDs int
}

// tune sets the smallest result kept, the reach of a shallow window and
// the most ids kept.
func (qc *queryCache) tune(min, shallow, maxIDs int) {
	qc.mu.Lock()
	defer qc.mu.Unlock()
	qc.min, qc.shallow, qc.maxIDs = min, shallow, maxIDs
}

// queryKey names a query apart from its window.
func queryKey(acct string, q mailstore.Query) (string, error) {
	q.Position, q.Anchor, q.AnchorOffset, q.Limit = 0, "", 0, 0
	b, err := json.Marshal(q)
	if err != nil {
		return "", err
	}
	return acct + "\x00" + string(b), nil
}

// get returns the kept result of a query at state st, or nil; tooBig
// reports a query whose result is too large to keep.
func (qc *queryCache) get(key string, st uint64) (ids []mailstore.EmailID, tooBig bool) {
	qc.mu.Lock()
	defer qc.mu.Unlock()
	e := qc.entries[key]
	if e == nil {
		return nil, false
	}
	qc.tick++
	e.used = qc.tick
	if e.tooBig || e.state != st {
		return nil, e.tooBig
	}
	return e.ids, false
}

func (qc *queryCache) put(key string, st uint64, ids []mailstore.EmailID) {
	qc.mu.Lock()
	defer qc.mu.Unlock()
	if len(ids) < cmp.Or(qc.min, queryCacheMin) {
		return
	}
	maxIDs := cmp.Or(qc.maxIDs, queryCacheMaxIDs)
	e := &queryCacheEntry{state: st, ids: ids}
	if len(ids) > maxIDs {
		e.ids, e.tooBig = nil, true
	}
	if qc.entries == nil {
		qc.entries = map[string]*queryCacheEntry{}
	}
	if old := qc.entries[key]; old != nil {
		if old.state > st {
			return
		}
		qc.size -= len(old.ids)
		delete(qc.entries, key)
	}
	for len(qc.entries) > 0 && (qc.size+len(e.ids) > maxIDs ||
		len(qc.entries) >= queryCacheMaxEntries) {
		var oldest string
		var o *queryCacheEntry
		for k, it := range qc.entries {
			if o == nil || it.used < o.used {
				oldest, o = k, it
			}
		}
		qc.size -= len(o.ids)
		delete(qc.entries, oldest)
	}
	qc.tick++
	e.used = qc.tick
	qc.entries[key] = e
	qc.size += len(e.ids)
}

// shallow reports whether a window is near enough the start of the
// result to be computed on its own.
func (qc *queryCache) isShallow(q mailstore.Query) bool {
	qc.mu.Lock()
	defer qc.mu.Unlock()
	return q.Anchor == "" && q.Position >= 0 && q.Limit > 0 &&
		q.Position+q.Limit <= cmp.Or(qc.shallow, shallowWindow)
}

// query runs an Email/query through the cache: a window of a result kept
// at the account's current state is cut from it; a deep window of a
// result not kept is cut from the whole result, which is then kept
// unless it is too large, in which case the query's windows are left to
// mailstore from then on.
func (h *Handler) query(ctx context.Context, acct string,
	q mailstore.Query) (mailstore.QueryResult, error) {
	key, err := queryKey(acct, q)
	if err != nil {
		return mailstore.QueryResult{}, err
	}
	cur, err := h.ms.HighestModSeq(ctx, acct)
	if err != nil {
		return mailstore.QueryResult{}, err
	}
	ids, tooBig := h.queries.get(key, cur)
	if ids != nil {
		return window(ids, cur, q)
	}
	if tooBig || h.queries.isShallow(q) {
		return h.ms.Query(ctx, acct, q)
	}
	v, err, _ := h.queries.group.Do(key+"\x00"+strconv.FormatUint(cur, 10),
		func() (any, error) {
			whole := q
			whole.Position, whole.Anchor, whole.AnchorOffset, whole.Limit = 0, "", 0, 0
			// Shared by the callers waiting: one leaving does not end it.
			r, err := h.ms.Query(context.WithoutCancel(ctx), acct, whole)
			if err != nil {
				return nil, err
			}
			h.queries.put(key, r.State, r.IDs)
			return r, nil
		})
	if err != nil {
		return mailstore.QueryResult{}, err
	}
	r := v.(mailstore.QueryResult)
	return window(r.IDs, r.State, q)
}

// window cuts the window of q from a whole sorted result as mailstore
// does (RFC 8620 section 5.5): an anchor, else a position that counts
// from the end when negative, then the limit.
func window(ids []mailstore.EmailID, st uint64, q mailstore.Query) (mailstore.QueryResult, error) {
	total := len(ids)
	start := q.Position
	switch {
	case q.Anchor != "":
		idx := -1
		for i, id := range ids {
			if id == q.Anchor {
				idx = i
				break
			}
		}
		if idx < 0 {
			return mailstore.QueryResult{}, mailstore.ErrAnchorNotFound
		}
		start = max(idx+q.AnchorOffset, 0)
	case start < 0:
		start = max(total+start, 0)
	}
	start = min(start, total)
	end := total
	if q.Limit > 0 {
		end = min(start+q.Limit, end)
	}
	return mailstore.QueryResult{IDs: ids[start:end:end], Position: start, Total: total,
		State: st}, nil
}
