package mailstore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
)

// checkSort refuses sort keys it does not know.
func (x *queryExec) checkSort() error {
	for _, c := range x.q.Sort {
		switch c.Key {
		case SortReceived, SortSize, SortSent, SortSubject, SortFrom, SortTo, SortCc:
		default:
			return fmt.Errorf("sort key %q: %w", c.Key, ErrInvalidQuery)
		}
	}
	return nil
}

// comparator returns the order of the query on candidates by index:
// its comparators, ties broken by UID in a mailbox or email number
// otherwise, so that equal keys keep arrival order (RFC 5256 section 3
// ties by sequence number). Keys are extracted first: numbers as they
// are, strings by their first sixteen octets, with the whole strings
// compared only on a tie.
func (x *queryExec) comparator(vs []view) func(i, j int32) int {
	keys := make([][]prefix, len(x.q.Sort))
	for k, c := range x.q.Sort {
		keys[k] = make([]prefix, len(vs))
		for i := range vs {
			keys[k][i] = sortPrefix(c.Key, &vs[i])
		}
	}
	return func(i, j int32) int {
		for k, c := range x.q.Sort {
			a, b := &keys[k][i], &keys[k][j]
			r := cmp.Compare(a.hi, b.hi)
			if r == 0 {
				r = cmp.Compare(a.lo, b.lo)
			}
			if r == 0 && isStringKey(c.Key) {
				r = bytes.Compare(stringKey(c.Key, &vs[i]), stringKey(c.Key, &vs[j]))
			}
			if c.Descending {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		if x.scope != 0 {
			return cmp.Compare(vs[i].uid, vs[j].uid)
		}
		return cmp.Compare(vs[i].e, vs[j].e)
	}
}

// order sorts the candidates, or only selects the leading ones when the
// window needs few of them.
func (x *queryExec) order(cands []int32, cmp func(i, j int32) int) []int32 {
	if n := x.topN(len(cands)); n > 0 {
		return selectTop(cands, n, cmp)
	}
	slices.SortFunc(cands, cmp)
	return cands
}

// topN returns how many leading results the query can need when that is
// few enough to select them rather than sort everything, else 0: a
// window by position from the start, without anchor.
func (x *queryExec) topN(total int) int {
	q := x.q
	if q.Anchor != "" || q.Limit <= 0 || q.Position < 0 {
		return 0
	}
	n := q.Position + q.Limit
	if n > total/8 {
		return 0
	}
	return n
}

// selectTop returns, in order, the n smallest candidates under cmp,
// keeping the best n so far in a heap whose root is the worst of them:
// about len(cands) log n steps instead of len(cands) log len(cands).
func selectTop(cands []int32, n int, cmp func(i, j int32) int) []int32 {
	h := make([]int32, 0, n)
	down := func(i int) {
		for {
			l, worst := 2*i+1, i
			if l < len(h) && cmp(h[l], h[worst]) > 0 {
				worst = l
			}
			if r := l + 1; r < len(h) && cmp(h[r], h[worst]) > 0 {
				worst = r
			}
			if worst == i {
				return
			}
			h[i], h[worst] = h[worst], h[i]
			i = worst
		}
	}
	for _, i := range cands {
		if len(h) < n {
			h = append(h, i)
			for c := len(h) - 1; c > 0; {
				p := (c - 1) / 2
				if cmp(h[c], h[p]) <= 0 {
					break
				}
				h[c], h[p] = h[p], h[c]
				c = p
			}
			continue
		}
		if cmp(i, h[0]) < 0 {
			h[0] = i
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}

func isStringKey(k SortKey) bool {
	return k == SortSubject || k == SortFrom || k == SortTo || k == SortCc
}

func stringKey(k SortKey, v *view) []byte {
	switch k {
	case SortSubject:
		return v.baseSubj
	case SortFrom:
		return v.sortFrom
	case SortTo:
		return v.sortTo
	case SortCc:
		return v.sortCc
	}
	return nil
}

// prefix is a sort key as numbers: a numeric key in hi, or the first 16
// octets of a string key as two big-endian numbers.
type prefix struct{ hi, lo uint64 }

// sortPrefix returns the prefix of a candidate's key; numbers are shifted
// so that unsigned order is signed order.
func sortPrefix(k SortKey, v *view) prefix {
	switch k {
	case SortReceived:
		return prefix{hi: uint64(v.received) ^ 1<<63}
	case SortSize:
		return prefix{hi: uint64(v.size) ^ 1<<63}
	case SortSent:
		return prefix{hi: uint64(v.sent) ^ 1<<63}
	}
	var buf [16]byte
	copy(buf[:], stringKey(k, v))
	return prefix{binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])}
}
