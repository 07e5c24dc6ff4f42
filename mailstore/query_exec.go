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
	f       *folder
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
	if err != nil {
		return QueryResult{}, err
	}
	order := x.sortViews(matched)
	if x.q.CollapseThreads {
		order = x.collapse(matched, order)
	}
	res, err := x.window(matched, order)
	res.State = state
	return res, err
}

// collect scans the candidates and keeps those the filter matches.
func (x *queryExec) collect() ([]view, error) {
	var out []view
	if x.scope != 0 {
		if b, err := x.tx.Get(spaceMailbox, mailboxKey(x.a, x.scope)); err == nil {
			if mb, err := decodeMailbox(b); err == nil {
				out = make([]view, 0, mb.total)
			}
		}
		p := mailboxKey(x.a, x.scope)
		err := x.tx.Scan(spaceUID, store.Prefix(p), func(k, val []byte) error {
			var v view
			if !viewEntry(val, &v) {
				return errCorrupt
			}
			v.uid = be32(k[8:])
			ok, err := x.match(x.q.Filter, &v)
			if ok {
				out = append(out, v)
			}
			return err
		})
		return out, err
	}
	if b, err := x.tx.Get(spaceAccount, []byte(x.account)); err == nil {
		if a, err := decodeAccount(b); err == nil {
			out = make([]view, 0, a.messages)
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

// collapse keeps the first email of each thread (RFC 8621 section 4.4.3).
func (x *queryExec) collapse(vs []view, order []int32) []int32 {
	seen := make(map[uint64]bool, len(order))
	out := order[:0]
	for _, i := range order {
		if t := vs[i].thread; !seen[t] {
			seen[t] = true
			out = append(out, i)
		}
	}
	return out
}

// window applies Position or Anchor and Limit (RFC 8620 section 5.5).
func (x *queryExec) window(vs []view, order []int32) (QueryResult, error) {
	total := len(order)
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
	start = min(start, total)
	end := total
	if x.q.Limit > 0 {
		end = min(start+x.q.Limit, total)
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
