package mailstore

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// queryExec runs one query inside a read transaction.
type queryExec struct {
	ctx     context.Context
	s       *Store
	tx      store.Tx
	a       uint32
	account string
	q       *Query
	scope   uint32 // mailbox number of Query.Mailbox, 0 for the account
	prep    map[*Filter]*prepared
	slab    fullSlab
	// hideUIDs is set when the scope comes from an inMailbox condition,
	// not from Query.Mailbox.
	hideUIDs bool
	f        *folder
}

// Query runs a query on an account (RFC 8621 section 4.4 Email/query, and
// IMAP SEARCH and SORT). Results are computed on a consistent snapshot;
// Total counts every match, IDs holds the requested window.
func (s *Store) Query(ctx context.Context, account string, q Query) (QueryResult, error) {
	var res QueryResult
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		x := &queryExec{ctx: ctx, s: s, tx: tx, a: a.num, account: account, q: &q,
			prep: map[*Filter]*prepared{}, f: newFolder()}
		var err error
		res, err = x.run()
		return err
	})
	if err != nil {
		return QueryResult{}, fmt.Errorf("query %s: %w", account, err)
	}
	return res, nil
}

func (x *queryExec) run() (QueryResult, error) {
	if x.q.Mailbox != "" {
		m, ok := x.q.Mailbox.num()
		if !ok {
			return QueryResult{}, ErrNotFound
		}
		if _, err := x.tx.Get(spaceMailbox, mailboxKey(x.a, m)); err != nil {
			if isNotFound(err) {
				return QueryResult{}, fmt.Errorf("mailbox %s: %w", x.q.Mailbox, ErrNotFound)
			}
			return QueryResult{}, err
		}
		x.scope = m
	} else if m, ok := x.impliedMailbox(); ok {
		// Every match is in one mailbox: scan its entries, not the
		// whole account.
		x.scope, x.hideUIDs = m, true
	}
	if err := x.prepare(x.q.Filter); err != nil {
		return QueryResult{}, err
	}
	state, err := x.tx.Counter(spaceCounter, newKey(x.a).byte(ctrModSeq))
	if err != nil {
		return QueryResult{}, err
	}
	if err := x.checkSort(); err != nil {
		return QueryResult{}, err
	}
	matched, err := x.collect()
	defer x.s.putViews(matched)
	if err != nil {
		return QueryResult{}, err
	}
	cmp := x.comparator(matched)
	cands := make([]int32, len(matched))
	for i := range cands {
		cands[i] = int32(i)
	}
	if x.q.CollapseThreads {
		cands = bestPerThread(matched, cands, cmp)
	}
	res, err := x.window(matched, x.order(cands, cmp), len(cands))
	res.State = state
	return res, err
}

// collect scans the candidates and keeps those the filter matches.
func (x *queryExec) collect() ([]view, error) {
	if x.scope != 0 {
		return x.collectMailbox()
	}
	var out []view
	if b, err := x.tx.Get(spaceAccount, []byte(x.account)); err == nil {
		if a, err := decodeAccount(b); err == nil {
			out = x.s.getViews(int(a.messages))
		}
	}
	err := x.tx.Scan(spaceEmail, store.Prefix(newKey(x.a)), func(k, val []byte) error {
		var v view
		if !viewEmail(val, &v, false, &x.slab) {
			return errCorrupt
		}
		v.e = be64(k[4:])
		ok, err := x.match(x.q.Filter, &v)
		if ok {
			out = append(out, v)
		}
		return err
	})
	return out, err
}

// impliedMailbox returns the mailbox that a top-level inMailbox condition,
// alone or inside a top-level AND, restricts the query to.
func (x *queryExec) impliedMailbox() (uint32, bool) {
	f := x.q.Filter
	if f == nil {
		return 0, false
	}
	conds := []*Filter{f}
	if f.Operator == FilterAnd {
		conds = f.Conditions
	} else if f.Operator != "" {
		return 0, false
	}
	for _, c := range conds {
		if c == nil || c.Operator != "" || c.InMailbox == "" {
			continue
		}
		m, ok := c.InMailbox.num()
		if !ok {
			return 0, false
		}
		if _, err := x.tx.Get(spaceMailbox, mailboxKey(x.a, m)); err != nil {
			return 0, false
		}
		return m, true
	}
	return 0, false
}

// collectMailbox collects the matching entries of the scope mailbox,
// from the view cache when it holds the mailbox at its current
// HIGHESTMODSEQ.
func (x *queryExec) collectMailbox() ([]view, error) {
	b, err := x.tx.Get(spaceMailbox, mailboxKey(x.a, x.scope))
	if err != nil {
		return nil, err
	}
	mb, err := decodeMailbox(b)
	if err != nil {
		return nil, err
	}
	out := x.s.getViews(int(mb.total))
	ck := cacheKey{x.a, x.scope}
	all := x.s.cache.get(ck, mb.modseq)
	if all == nil {
		if all, err = x.scanMailbox(int(mb.total)); err != nil {
			return out, err
		}
		if len(all) >= x.s.cacheMin {
			all = x.s.cache.put(ck, mb.modseq, all)
		}
	}
	for i := range all {
		v := all[i] // a copy: matching may add the email record
		ok, err := x.match(x.q.Filter, &v)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// scanMailbox decodes every entry of the scope mailbox.
func (x *queryExec) scanMailbox(n int) ([]view, error) {
	all := make([]view, 0, n)
	p := mailboxKey(x.a, x.scope)
	err := x.tx.Scan(spaceUID, store.Prefix(p), func(k, val []byte) error {
		var v view
		if !viewEntry(val, &v) {
			return errCorrupt
		}
		v.uid = be32(k[8:])
		all = append(all, v)
		return nil
	})
	return all, err
}

// full adds the email record's fields to a candidate read from a mailbox
// entry.
func (x *queryExec) full(v *view) error {
	if v.full != nil {
		return nil
	}
	b, err := x.tx.Get(spaceEmail, emailKey(x.a, v.e))
	if err != nil {
		return err
	}
	if !viewEmail(b, v, true, &x.slab) {
		return errCorrupt
	}
	return nil
}

// bestPerThread keeps of each thread the candidate that sorts first, the
// one a collapsed result shows (RFC 8621 section 4.4.3).
func bestPerThread(vs []view, cands []int32, cmp func(i, j int32) int) []int32 {
	best := make(map[uint64]int32, len(cands)/2)
	for _, i := range cands {
		t := vs[i].thread
		if b, ok := best[t]; !ok || cmp(i, b) < 0 {
			best[t] = i
		}
	}
	out := cands[:0]
	for _, i := range best {
		out = append(out, i)
	}
	return out
}

// window applies Position or Anchor and Limit (RFC 8620 section 5.5).
// Order may hold only the leading results (see topN); total counts all.
func (x *queryExec) window(vs []view, order []int32, total int) (QueryResult, error) {
	start := 0
	switch {
	case x.q.Anchor != "":
		e, ok := x.q.Anchor.num()
		idx := -1
		for i, j := range order {
			if ok && vs[j].e == e {
				idx = i
				break
			}
		}
		if idx < 0 {
			return QueryResult{}, ErrAnchorNotFound
		}
		start = max(idx+x.q.AnchorOffset, 0)
	case x.q.Position < 0:
		start = max(total+x.q.Position, 0)
	default:
		start = x.q.Position
	}
	start = min(start, len(order))
	end := len(order)
	if x.q.Limit > 0 {
		end = min(start+x.q.Limit, end)
	}
	res := QueryResult{Position: start, Total: total, IDs: make([]EmailID, 0, end-start)}
	for _, j := range order[start:end] {
		res.IDs = append(res.IDs, emailID(vs[j].e))
		if x.scope != 0 && !x.hideUIDs {
			res.UIDs = append(res.UIDs, vs[j].uid)
		}
	}
	return res, nil
}

func unix(t time.Time) int64 { return t.Unix() }

// getViews returns an empty slice of views with room for n, reused from
// earlier queries: a large mailbox's views weigh megabytes, and
// allocating them for every query would keep the collector busy.
func (s *Store) getViews(n int) []view {
	if p, ok := s.views.Get().(*[]view); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]view, 0, n)
}

// putViews hands a slice back for reuse, cleared so that it holds on to
// no record of a finished transaction.
func (s *Store) putViews(vs []view) {
	if cap(vs) == 0 || cap(vs) > maxPooledViews {
		return
	}
	vs = vs[:cap(vs)]
	clear(vs)
	vs = vs[:0]
	s.views.Put(&vs)
}

// maxPooledViews caps the size of a pooled slice of views.
const maxPooledViews = 1 << 20
